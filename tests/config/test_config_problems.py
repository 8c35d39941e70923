"""A broken ``entente.toml`` is reported whole: every problem at once, each with its key and
line; an unknown key names the one meant; a table with the wrong brackets says which table
was meant. Through ``entente config show``, as a user meets it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from entente_daemon.config import load_project_config
from entente_daemon.errors import ConfigError
from tests.child_pytest import child_pytest_env


def entente(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entente_daemon.cli", *args],
        cwd=cwd,
        env={**os.environ, "ENTENTE_HOME": str(cwd / "home")},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def write(folder: Path, text: str, name: str = "entente.toml") -> Path:
    file = folder / name
    file.write_text(text, encoding="utf-8")
    return file


def test_every_problem_at_once_with_key_and_line(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        'servce = "todo-client"\n'  # 1: unknown, meant `service`
        'role = "boss"\n'  # 2
        "\n"
        "[[providers]]\n"  # 4
        'name = "todo-api"\n'
        'spec = "missing.yaml"\n'  # 6
        "port = 70000\n"  # 7
        "\n"
        "[broker]\n"
        'url = "ftp://x"\n',  # 10
    )
    done = entente(tmp_path, "config", "show")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"error: {file}: 5 problems:",
        "  line 1: servce: is not a known setting; did you mean 'service'? (service is required)",
        "  line 2: role: Input should be 'consumer', 'provider' or 'both' (got 'boss')",
        f"  line 6: providers[0].spec: spec file not found: missing.yaml "
        f"(looked at {tmp_path / 'missing.yaml'})",
        "  line 7: providers[0].port: Input should be less than or equal to 65535 (got 70000)",
        "  line 10: broker.url: 'ftp://x' is not an http:// or https:// URL",
    ]


def test_an_unknown_key_names_the_known_one(tmp_path: Path) -> None:
    write(tmp_path, 'servce = "x"\n')
    done = entente(tmp_path, "config", "show")
    assert done.returncode == 2
    assert "servce: is not a known setting; did you mean 'service'?" in done.stderr
    write(tmp_path, 'service = "x"\n[provider]\nspec = "api.yaml"\nbase_ur = "http://a"\n')
    (tmp_path / "api.yaml").write_text("openapi: 3.0.3\n", encoding="utf-8")
    nested = entente(tmp_path, "config", "show")
    assert (
        f"{tmp_path / 'entente.toml'}:4: provider.base_ur: is not a known setting; "
        "did you mean 'base_url'?" in nested.stderr
    )
    write(tmp_path, 'service = "x"\n[tests]\nnothing_like_it = 1\n')
    far = entente(tmp_path, "config", "show")
    assert "tests.nothing_like_it: is not a known setting (known here: junit)" in far.stderr


def test_provider_array_says_which_table_was_meant(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        'service = "todo-client"\n\n[[provider]]\nname = "todo-api"\nspec = "from broker"\n',
    )
    done = entente(tmp_path, "config", "show")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: {file}:3: provider: [[provider]] is not a table Entente knows: write "
        "[[providers]] (plural) for each provider this service consumes, or [provider] "
        "(single brackets, once) for the spec it provides"
    )
    assert "pydantic" not in done.stderr
    assert "valid dictionary" not in done.stderr


def test_providers_single_table_says_double_brackets(tmp_path: Path) -> None:
    write(tmp_path, 'service = "c"\n[providers]\nname = "p"\n')
    done = entente(tmp_path, "config", "show")
    assert "providers: [providers] must be written [[providers]]" in done.stderr
    assert "valid list" not in done.stderr


def test_a_value_where_a_table_belongs_says_so(tmp_path: Path) -> None:
    write(tmp_path, 'service = "c"\nprovider = "todo-api"\nbroker = 3\n')
    with pytest.raises(ConfigError) as raised:
        load_project_config(tmp_path, environ={})
    assert [str(p) for p in raised.value.problems] == [
        "line 2: provider: must be a table, not a string ('todo-api')",
        "line 3: broker: must be a table, not a number (3)",
    ]


def test_pyproject_lines_are_those_of_the_file(tmp_path: Path) -> None:
    from entente_daemon.errors import ConfigProblem

    file = write(
        tmp_path,
        '[project]\nname = "x"\n\n[tool.entente]\nservice = "x"\nrol = "consumer"\n',
        name="pyproject.toml",
    )
    with pytest.raises(ConfigError) as raised:
        load_project_config(tmp_path, environ={})
    assert raised.value.problems == (
        ConfigProblem("is not a known setting; did you mean 'role'?", "rol", 6),
    )
    assert str(raised.value).startswith(f"{file}:6: rol: ")


def test_the_daemon_event_detail_carries_every_problem(tmp_path: Path) -> None:
    write(tmp_path, 'servce = "x"\nrole = "boss"\n')
    with pytest.raises(ConfigError) as raised:
        load_project_config(tmp_path, environ={})
    error = raised.value
    assert (error.key, error.line) == ("servce", 1)
    assert error.detail.startswith("2 problems: line 1: servce: is not a known setting")
    assert "line 2: role:" in error.detail


def test_verify_in_a_broken_provider_project_shows_its_problems(tmp_path: Path) -> None:
    """Not "no entente.toml with a [provider] table here": the file's own problems."""
    file = write(tmp_path, 'service = "todo-api"\n[provider]\nspec = "api.yaml"\nbase_ur = "x"\n')
    done = entente(tmp_path, "verify")
    assert done.returncode == 2
    assert "no entente.toml" not in done.stderr
    assert f"{file}: 2 problems:" in done.stderr
    assert "line 3: provider.spec: spec file not found: api.yaml" in done.stderr
    assert (
        "line 4: provider.base_ur: is not a known setting; did you mean 'base_url'?" in done.stderr
    )


PLUGIN_SUITE = """
def test_uses_a_mock(entente_mock):
    pass


def test_uses_the_project(entente_project):
    pass


def test_plain():
    pass
"""


def test_under_pytest_a_config_error_is_its_problems_not_a_traceback(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    file = write(suite, 'servce = "todo-client"\n[[providers]]\nname = "todo-api"\n')
    (suite / "test_suite.py").write_text(PLUGIN_SUITE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTENTE_", "PYTEST_"))}
    env["ENTENTE_HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=suite,
        env=child_pytest_env(env),
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "1 passed, 2 errors" in out
    problem = (
        f"{file}:1: servce: is not a known setting; did you mean 'service'? (service is required)"
    )
    # each test that needs the project: the one line, alone in its section
    sections = out.split("ERROR at setup of ")[1:]
    assert len(sections) == 2, out
    for section in sections:
        body = []
        for line in section.splitlines()[1:]:
            if line.startswith(("_", "=")):
                break
            body.append(line)
        assert body == [problem], out
    assert "Traceback" not in out
    assert "raise ConfigError" not in out
    assert "During handling" not in out
