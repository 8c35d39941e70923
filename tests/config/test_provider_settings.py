"""``[provider]`` base_url, state_handlers and on_missing: the defaults of ``entente verify``."""

from __future__ import annotations

from pathlib import Path

import pytest

from entente_daemon.config import load_project_config
from entente_daemon.errors import ConfigError

SPEC = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"


def project(tmp_path: Path, provider: str) -> Path:
    (tmp_path / "openapi.yaml").write_text(SPEC, encoding="utf-8")
    config = tmp_path / "entente.toml"
    config.write_text(
        f'service = "castle-service"\nversion = "1.0.0"\n\n[provider]\nspec = "openapi.yaml"\n'
        f"{provider}\n",
        encoding="utf-8",
    )
    return config


def test_verify_settings_are_read(tmp_path: Path) -> None:
    config = load_project_config(
        project(
            tmp_path,
            'base_url = "http://127.0.0.1:8000"\n'
            'state_handlers = "castle_service.states:HANDLERS"\non_missing = "continue"',
        )
    )
    assert config.provided_base_url == "http://127.0.0.1:8000"
    assert config.provided_state_handlers == "castle_service.states:HANDLERS"
    assert config.provided_on_missing == "continue"


def test_verify_settings_are_optional(tmp_path: Path) -> None:
    config = load_project_config(project(tmp_path, ""))
    assert (
        config.provided_base_url,
        config.provided_state_handlers,
        config.provided_on_missing,
    ) == (None, None, None)


@pytest.mark.parametrize(
    ("line", "key", "words"),
    [
        ('base_url = "127.0.0.1:8000"', "provider.base_url", "not an http:// or https:// URL"),
        ('state_handlers = "states.HANDLERS"', "provider.state_handlers", "module:attribute"),
        ('on_missing = "skip"', "provider.on_missing", "'fail' or 'continue'"),
    ],
)
def test_bad_verify_settings_name_the_key(tmp_path: Path, line: str, key: str, words: str) -> None:
    config = project(tmp_path, line)
    with pytest.raises(ConfigError) as raised:
        load_project_config(config)
    assert raised.value.key == key
    assert words in str(raised.value)
    assert str(config) in str(raised.value)
