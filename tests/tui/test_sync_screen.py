"""The Sync screen and the header's broker state, against a real daemon syncing with a
broker on loopback (`tests.sync.stub_broker`): the state, the queue, the error, and ``s``
to sync now."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Static

from entente_tui.screens.sync import SyncScreen
from entente_tui.widgets.nav_bar import NavBar
from entente_tui.widgets.status_header import StatusHeader
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon, interaction
from tests.sync.stub_broker import KEY, BrokerState, running_broker

from .conftest import linked, make_app, until


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, BrokerState]]:
    with running_broker() as (url, state):
        monkeypatch.setenv("ENTENTE_SERVICE_URL", url)
        monkeypatch.setenv("ENTENTE_API_KEY", KEY)
        monkeypatch.setenv("ENTENTE_SYNC_WAIT", "1")
        # Long between retries: the queue stays put until `s` syncs it now.
        monkeypatch.setenv("ENTENTE_SYNC_BACKOFF_CAP", "600")
        yield url, state


@pytest.fixture
def syncing_daemon(home: Path, broker: tuple[str, BrokerState]) -> Iterator[Daemon]:
    handle = Daemon(home)
    handle.start()
    try:
        yield handle
    finally:
        handle.ensure_gone()


def _shown(screen: SyncScreen) -> str:
    body = screen.query_one("#sync-view", Static).render()
    return body.plain if isinstance(body, Text) else str(body)


def _plain(widget: StatusHeader | NavBar) -> str:
    return widget.render().plain


async def test_the_sync_screen_shows_a_failing_broker_and_syncs_now(
    syncing_daemon: Daemon,
    broker: tuple[str, BrokerState],
    castle: CastleProject,
    home: Path,
) -> None:
    url, state = broker
    state.failing = True
    with syncing_daemon.client() as client:
        contracts = [interaction(n, test_id=f"t::{n}", run_id="r") for n in range(2)]
        client.upload_interactions(contracts)
    app = make_app(castle, home)
    async with app.run_test(size=(120, 30)) as pilot:
        await linked(pilot)
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, SyncScreen), "the Sync screen")
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        await until(pilot, lambda: "HTTP 500" in _shown(screen), "the broker's error")
        text = _shown(screen)
        assert f"Broker  error  {url}" in text
        assert "Queued  2  (2 interactions)" in text
        header = screen.query_one(StatusHeader)
        await until(pilot, lambda: "broker: error (2 queued)" in _plain(header), "the header")
        assert "6 Sync" in _plain(screen.query_one(NavBar))

        state.failing = False  # the broker is back: `s` syncs now, without waiting
        await pilot.press("s")
        await until(pilot, lambda: "Broker  connected" in _shown(screen), "connected")
        assert "Queued  0" in _shown(screen)
        assert "Pushed  2" in _shown(screen)
        assert len(state.interactions) == 2
        await until(pilot, lambda: "broker: connected" in _plain(header), "the header again")


async def test_without_a_broker_the_screen_says_how_to_configure_one(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    app = make_app(castle, home)
    async with app.run_test(size=(120, 30)) as pilot:
        await linked(pilot)
        nav = app.screen.query_one(NavBar)
        assert "Sync" not in _plain(nav)  # no broker: no tab (the key still works)
        assert "broker:" not in _plain(app.screen.query_one(StatusHeader))
        await pilot.press("6")
        await until(pilot, lambda: isinstance(app.screen, SyncScreen), "the Sync screen")
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        await until(pilot, lambda: "No broker is configured" in _shown(screen), "the help")
        assert "entente sync login --url" in _shown(screen)
