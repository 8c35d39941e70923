"""``entente sync`` without a daemon (CI): push the local store's outbox, pull once; exit 2
naming the URL and the cause when the broker cannot be reached or refuses the key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from entente_daemon.cli.main import cli
from entente_daemon.config import load_project_config
from entente_daemon.daemon.services.sync.settings import credentials_path, resolve_target
from entente_daemon.errors import ConfigError
from entente_daemon.store import Store
from tests.daemon.conftest import interaction
from tests.sync.stub_broker import KEY, running_broker


def _record(home: Path, n: int) -> None:
    with Store.open(home / "store") as store:
        for i in range(n):
            made = interaction(i, test_id=f"tests/test_castle.py::test_{i}", run_id="ci-1")
            store.interactions.add(made.with_hash())


def test_once_pushes_the_local_store_and_pulls(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no project here: pull everything
    with running_broker() as (url, state):
        monkeypatch.setenv("ENTENTE_SERVICE_URL", url)
        monkeypatch.setenv("ENTENTE_API_KEY", KEY)
        with Store.open(home / "store") as store:
            store.outbox.enable(url)  # a CI job that configured the broker before recording
        _record(home, 2)
        result = CliRunner().invoke(cli, ["sync", "--once"])
        assert result.exit_code == 0, result.output
        assert "pushed 2 record(s)" in result.output
        assert len(state.interactions) == 2
        status = CliRunner().invoke(cli, ["sync", "--status"])
        assert "queued:    0" in status.output
        assert "pushed:    2" in status.output


def test_once_enables_the_outbox_and_sends_what_was_there(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    _record(home, 3)  # recorded before any broker was known
    with running_broker() as (url, state):
        monkeypatch.setenv("ENTENTE_SERVICE_URL", url)
        monkeypatch.setenv("ENTENTE_API_KEY", KEY)
        result = CliRunner().invoke(cli, ["sync", "--once"])
        assert result.exit_code == 0, result.output
        assert len(state.interactions) == 3


def test_an_unreachable_broker_exits_2_naming_it(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    with running_broker() as (url, _state):
        pass  # nothing listens there now
    monkeypatch.setenv("ENTENTE_SERVICE_URL", url)
    monkeypatch.setenv("ENTENTE_API_KEY", KEY)
    _record(home, 1)
    result = CliRunner().invoke(cli, ["sync", "--once"])
    assert result.exit_code == 2
    assert f"cannot reach the broker at {url}" in result.output
    assert "the outbox is kept (1 queued)" in result.output


def test_a_wrong_key_exits_2_and_says_so(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    with running_broker() as (url, state):
        monkeypatch.setenv("ENTENTE_SERVICE_URL", url)
        monkeypatch.setenv("ENTENTE_API_KEY", "not-a-key")
        _record(home, 1)
        result = CliRunner().invoke(cli, ["sync", "--once"])
        assert result.exit_code == 2
        assert f"the broker at {url} refused the API key" in result.output
        assert state.interactions == {}


def test_no_broker_configured_is_said(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENTENTE_SERVICE_URL", raising=False)
    result = CliRunner().invoke(cli, ["sync", "--once"])
    assert result.exit_code == 2
    assert "no broker is configured" in result.output


def test_login_keeps_the_key_private_and_the_sync_finds_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENTENTE_SERVICE_URL", raising=False)
    monkeypatch.delenv("ENTENTE_API_KEY", raising=False)
    result = CliRunner().invoke(
        cli, ["sync", "login", "--url", "https://broker.example/", "--key-stdin"], input="k-1\n"
    )
    assert result.exit_code == 0, result.output
    path = credentials_path(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    target = resolve_target(home, {})
    assert target is not None
    assert (target.url, target.key) == ("https://broker.example", "k-1")
    assert "k-1" not in repr(target)
    # The environment wins over the file; a file others can read is refused.
    assert resolve_target(home, {"ENTENTE_API_KEY": "k-2"}).key == "k-2"  # type: ignore[union-attr]
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        resolve_target(home, {})


def test_a_key_in_the_project_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "entente.toml"
    config.write_text('service = "castle-client"\n\n[broker]\nurl = "https://b"\napi_key = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_project_config(config)
    message = str(caught.value)
    assert f"{config}:5: broker.api_key" in message
    assert "ENTENTE_API_KEY" in message
