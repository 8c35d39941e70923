"""Project configuration: where it is found, what it resolves to, and how it fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from entente_daemon.config import find_config, load_project_config
from entente_daemon.errors import ConfigError
from entente_daemon.model import Role

SPEC = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "specs" / "castle.yaml", SPEC)
    write(tmp_path / "own.yaml", SPEC)
    return tmp_path


def test_full_entente_toml(project: Path) -> None:
    write(
        project / "entente.toml",
        """
service = "castle-client"
version = "1.2.3"
environment = "ci"

[[providers]]
name = "castle-service"
version = "1.0.0"
spec = "specs/castle.yaml"
port = 4001

[[providers]]
name = "dragon-service"

[provider]
name = "castle-client-api"
spec = "own.yaml"

[broker]
url = "https://broker.example"
""",
    )
    config = load_project_config(project, environ={"ENTENTE_API_KEY": "k-123"})
    assert config.service == "castle-client"
    assert config.version == "1.2.3"
    assert config.version_source == "config"
    assert config.role is Role.BOTH
    assert config.environment == "ci"
    castle, dragon = config.providers
    assert castle.spec_path == (project / "specs" / "castle.yaml").resolve()
    assert castle.port == 4001
    assert castle.version == "1.0.0"
    assert dragon.spec_from_broker
    assert dragon.version == "latest"
    assert dragon.port is None
    assert config.provided_spec == (project / "own.yaml").resolve()
    assert config.provided_name == "castle-client-api"
    assert config.broker.url == "https://broker.example"
    assert config.broker.api_key == "k-123"
    assert "k-123" not in repr(config.broker)
    assert config.provider("castle-service") is castle


def test_pyproject_tool_section_and_version_from_project(tmp_path: Path) -> None:
    write(tmp_path / "openapi.yaml", SPEC)
    write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "castle-service"
version = "2.0.1"

[tool.entente]
service = "castle-service"

[tool.entente.provider]
spec = "openapi.yaml"
""",
    )
    config = load_project_config(tmp_path, environ={})
    assert config.version == "2.0.1"
    assert config.version_source == "pyproject"
    assert config.role is Role.PROVIDER
    assert config.provided_name == "castle-service"
    assert config.broker.api_key is None


def test_found_from_a_subfolder_and_entente_toml_wins(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.entente]\nservice = "other"\n')
    write(project / "entente.toml", 'service = "mine"\n')
    deep = project / "src" / "pkg"
    deep.mkdir(parents=True)
    assert find_config(deep) == project / "entente.toml"
    assert load_project_config(deep, environ={}).service == "mine"


def test_version_falls_back_to_git_short_sha(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    write(tmp_path / "entente.toml", 'service = "svc"\n')
    subprocess.run(
        [
            "git",
            "-c",
            "user.email=a@b",
            "-c",
            "user.name=a",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        cwd=tmp_path,
        check=True,
    )
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    config = load_project_config(tmp_path, environ={})
    assert (config.version, config.version_source) == (sha, "git")


def test_service_url_env_overrides_broker_url(project: Path) -> None:
    write(project / "entente.toml", 'service = "s"\n[broker]\nurl = "https://a.example"\n')
    config = load_project_config(project, environ={"ENTENTE_SERVICE_URL": "http://127.0.0.1:9"})
    assert config.broker.url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("version = '1'\n", "service", "is required"),
        ("service = 'has space'\n", "service", "not a valid service name"),
        ("service = 's'\nrole = 'boss'\n", "role", "consumer"),
        ("service = 's'\nsurprise = 1\n", "surprise", "not a known setting"),
        ("service = 's'\n[[providers]]\nname = 'p'\nport = 70000\n", "providers[0].port", "65535"),
        ("service = 's'\n[[providers]]\nname = 'p'\nport = 'x'\n", "providers[0].port", "integer"),
        (
            "service = 's'\n[[providers]]\nname = 'p'\nspec = 'missing.yaml'\n",
            "providers[0].spec",
            "not found",
        ),
        (
            "service = 's'\n[[providers]]\nname = 'p'\n[[providers]]\nname = 'p'\n",
            "providers[1]",
            "listed twice",
        ),
        (
            "service = 's'\n[[providers]]\nname = 'p'\nport = 5\n"
            "[[providers]]\nname = 'q'\nport = 5\n",
            "providers[1].port",
            "already used",
        ),
        ("service = 's'\nrole = 'provider'\n", "provider", "no [provider] table"),
        ("service = 's'\n[broker]\nurl = 'ftp://x'\n", "broker.url", "http"),
        (
            "service = 's'\n[broker]\napi_key = 'secret'\n",
            "broker.api_key",
            "never goes in the project file",
        ),
    ],
)
def test_invalid_config_names_file_and_key(project: Path, text: str, key: str, words: str) -> None:
    file = write(project / "entente.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_project_config(project, environ={})
    error = caught.value
    assert error.file == file
    assert error.key == key
    assert words in str(error)
    # the key's line, when the key (or its table) is written in the file
    where = f"{file}:{error.line}" if error.line is not None else str(file)
    assert str(error).startswith(f"{where}: {key}: ")


def test_toml_syntax_error_names_file_and_line(project: Path) -> None:
    file = write(project / "entente.toml", 'service = "s"\nport = = 3\nx = 1\n')
    with pytest.raises(ConfigError) as caught:
        load_project_config(project, environ={})
    assert caught.value.file == file
    assert caught.value.line == 2
    assert str(caught.value).startswith(f"{file}:2: not valid TOML: ")


def test_no_config_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no entente.toml"):
        find_config(tmp_path)
