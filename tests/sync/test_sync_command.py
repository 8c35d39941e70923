"""A sync without a daemon (``entente sync --once``, for CI): the local store's outbox pushed,
the feed pulled; a broker that cannot be reached, or refuses the key, is named and the outbox
kept. The logic is `sync_once`, tested in-process; the command itself through a process."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from entente_daemon.config import load_project_config
from entente_daemon.daemon.services.sync.once import SyncOnceFailed, sync_once
from entente_daemon.daemon.services.sync.settings import (
    credentials_path,
    resolve_target,
    write_credentials,
)
from entente_daemon.errors import ConfigError
from entente_daemon.store import Store
from tests.daemon.conftest import entente_cli, interaction
from tests.sync.stub_broker import KEY, running_broker


def _record(home: Path, n: int) -> None:
    with Store.open(home / "store") as store:
        for i in range(n):
            made = interaction(i, test_id=f"tests/test_castle.py::test_{i}", run_id="ci-1")
            store.interactions.add(made.with_hash())


def _env(url: str, key: str = KEY) -> dict[str, str]:
    return {"ENTENTE_SERVICE_URL": url, "ENTENTE_API_KEY": key}


def test_once_pushes_the_local_store_and_pulls(home: Path) -> None:
    with running_broker() as (url, state):
        with Store.open(home / "store") as store:
            store.outbox.enable(url)  # a CI job that configured the broker before recording
        _record(home, 2)
        done = asyncio.run(sync_once(home, None, _env(url)))
        assert done.pushed.sent == 2
        assert len(state.interactions) == 2
        assert done.state.queued == 0
        assert done.state.pushed == 2
        assert done.state.last_push is not None
        again = asyncio.run(sync_once(home, None, _env(url)))  # nothing left, nothing twice
        assert again.pushed.sent == 0
        assert len(state.interactions) == 2


def test_once_enables_the_outbox_and_sends_what_was_there(home: Path) -> None:
    _record(home, 3)  # recorded before any broker was known
    with running_broker() as (url, state):
        done = asyncio.run(sync_once(home, None, _env(url)))
        assert done.pushed.sent == 3
        assert len(state.interactions) == 3


def test_an_unreachable_broker_is_named_and_the_outbox_kept(home: Path) -> None:
    with running_broker() as (url, _state):
        pass  # nothing listens there now
    _record(home, 1)
    with pytest.raises(SyncOnceFailed) as caught:
        asyncio.run(sync_once(home, None, _env(url)))
    assert f"cannot reach the broker at {url}" in str(caught.value)
    assert "the outbox is kept (1 queued)" in str(caught.value)


def test_a_wrong_key_is_said(home: Path) -> None:
    with running_broker() as (url, state):
        _record(home, 1)
        with pytest.raises(SyncOnceFailed, match=f"the broker at {url} refused the API key"):
            asyncio.run(sync_once(home, None, _env(url, "not-a-key")))
        assert state.interactions == {}


def test_no_broker_configured_is_said(home: Path) -> None:
    with pytest.raises(ConfigError, match="no broker is configured"):
        asyncio.run(sync_once(home, None, {}))


def test_the_command_exits_2_naming_the_broker(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_broker() as (url, _state):
        pass
    for name, value in _env(url).items():
        monkeypatch.setenv(name, value)
    done = entente_cli(home, "sync", "--once", cwd=tmp_path)
    assert done.returncode == 2
    assert f"error: cannot reach the broker at {url}" in done.stderr


def test_login_keeps_the_key_private_and_the_sync_finds_it(home: Path) -> None:
    path = write_credentials(home, "https://broker.example/", "k-1")
    assert path == credentials_path(home)
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
