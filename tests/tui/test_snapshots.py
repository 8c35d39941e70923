"""Snapshots of every screen and modal, against a real daemon holding a fixed scene
(`tests.tui.scene`): the castle client's interactions, test runs, verifications, fixtures and
a spec error.

The snapshots live in ``tests/tui/__snapshots__/test_snapshots/``; after a deliberate
change of the TUI's look, regenerate them with ``pytest tests/tui/test_snapshots.py
--snapshot-update`` and look at the SVGs before committing them. A failing comparison
writes ``snapshot_report.html`` (the old and the new side by side).

The tests are plain functions: ``snap_compare`` runs the app in its own event loop. Times
show in UTC (``TZ`` is set for the module), so HH:MM:SS reads the same everywhere.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Static

from entente_daemon.client import aio
from entente_daemon.client.wire import BrokerStatus
from entente_tui.app import EntenteApp
from entente_tui.screens.alert_detail import AlertDetailScreen
from entente_tui.screens.base import LiveScreen
from entente_tui.screens.deploy import DeployScreen
from entente_tui.screens.fixture_detail import FixtureDetailScreen
from entente_tui.screens.help import HelpScreen
from entente_tui.screens.interactions import InteractionsScreen
from entente_tui.screens.reject_note import EditNotesScreen, RejectNoteScreen
from entente_tui.screens.start_verification import StartVerificationScreen
from entente_tui.screens.sync import SyncScreen
from entente_tui.widgets.sync_view import SyncNote, sync_text

from .scene import Scene, build_scene, neutral_client_factory
from .settle import settle, show, until, workers_idle

SIZE = (140, 40)
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """One daemon with the scene loaded, for every snapshot of the module (they only look)."""
    root = tmp_path_factory.mktemp("scene")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENTENTE_HOME", str(root / "entente-home"))
        patch.setenv("TZ", "UTC")
        time.tzset()
        built = build_scene(root)
        try:
            yield built
        finally:
            built.stop()
    time.tzset()


@pytest.fixture
def scene_app(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> Callable[..., EntenteApp]:
    """A factory of apps attached to the scene's project, told the scene's neutral values."""
    monkeypatch.setenv("ENTENTE_HOME", str(scene.home))
    monkeypatch.setattr(aio, "async_http_client", neutral_client_factory(scene))
    assert os.environ.get("TZ") == "UTC"

    def make(*, dark: bool = True) -> EntenteApp:
        return EntenteApp(scene.project_dir, home=scene.home, start_daemon=False, dark=dark)

    return make


# -- what to look at -------------------------------------------------------------------


def showing(name: str, key: str | None = None) -> RunBefore:
    """Show the main screen ``name`` (pressing ``key``), its table filled."""

    async def run_before(pilot: Pilot[None]) -> None:
        await show(pilot, name, key)

    return run_before


def then(first: RunBefore, *keys: str, done: Callable[[EntenteApp], bool]) -> RunBefore:
    """After ``first``: press ``keys`` and settle once ``done`` holds."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, EntenteApp)
        await first(pilot)
        await pilot.press(*keys)
        await settle(pilot, lambda: done(app), f"the view after {keys}")

    return run_before


# -- the main screens ---------------------------------------------------------------------


def test_interactions(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=showing("interactions"))


def test_verifications(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=showing("verifications", "2"))


def test_fixtures(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=showing("fixtures", "3"))


def test_alerts(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=showing("alerts", "4"))


def test_deploy(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    """Production's readiness, the failed pair selected: its verification and can-i-deploy's
    answer for castle-client 1.0.0 with the reasons and the next steps."""
    run_before = then(showing("deploy", "5"), "down", done=deploy_answered)
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def test_deploy_light(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    """The same in the light theme: the states' colours stay readable."""
    run_before = then(showing("deploy", "5"), "down", done=deploy_answered)
    assert snap_compare(scene_app(dark=False), terminal_size=SIZE, run_before=run_before)


def test_sync_not_configured(
    snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]
) -> None:
    """The Sync screen (key 6) of a workstation with no broker: how to configure one."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, EntenteApp)
        await settle(pilot, lambda: isinstance(app.screen, LiveScreen), "the first screen")
        await pilot.press("6")
        await settle(
            pilot,
            lambda: isinstance(app.screen, SyncScreen) and app.screen.state is not None,
            "the Sync screen with its state",
        )

    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


class SyncViewApp(App[None]):
    """The Sync screen's body on a fixed state (a broker down, records queued), as the
    screen shows it: its times and URL would vary in a live run."""

    def compose(self) -> ComposeResult:
        moment = datetime(2026, 12, 2, 16, 45, 12, tzinfo=UTC)
        state = BrokerStatus(
            state="error",
            url="https://broker.castle.example",
            connected=False,
            queued=14,
            queued_by_kind={"interactions": 12, "verifications": 1, "deployments": 1},
            pushed=318,
            pulled=42,
            cursor=977,
            last_push=moment,
            last_pull=moment,
            last_error="cannot reach the broker at https://broker.castle.example: "
            "connection refused",
        )
        notes: list[SyncNote] = [
            (moment, "sync.error", state.last_error or ""),
            (moment, "sync.progress", "pulled 3 interactions, 1 fixtures"),
            (moment, "sync.progress", "pushed 12 record(s)"),
        ]
        yield Static(sync_text(state, notes))


def test_sync_view(snap_compare: SnapCompare, scene: Scene) -> None:
    assert os.environ.get("TZ") == "UTC"  # the scene's: times read the same everywhere
    assert snap_compare(SyncViewApp(), terminal_size=(100, 24))


def deploy_answered(app: EntenteApp) -> bool:
    screen = app.screen
    return (
        isinstance(screen, DeployScreen)
        and screen.table.cursor_row == 1
        and screen.decision("castle-client", "1.0.0") is not None
    )


# -- panes and modals ---------------------------------------------------------------------


def detail_loaded(app: EntenteApp) -> bool:
    screen = app.screen
    return isinstance(screen, InteractionsScreen) and screen.detail.interaction is not None


def test_interaction_detail(
    snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]
) -> None:
    """The request that did not fit the spec: its validation errors and the match context."""
    run_before = then(showing("interactions"), "up", "up", "enter", done=detail_loaded)
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def runs_open(app: EntenteApp) -> bool:
    screen = app.screen
    return (
        isinstance(screen, InteractionsScreen)
        and not screen.runs_panel.has_class("hidden")
        and bool(screen.runs_panel.runs)
    )


def test_test_runs_panel(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    run_before = then(showing("interactions"), "g", done=runs_open)
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def test_verification_failures(
    snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]
) -> None:
    """The finished run's failures: kind, JSON path, expected and actual side by side."""
    run_before = then(
        showing("verifications", "2"), "down", "enter", done=lambda app: workers_idle(app)
    )
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    run_before = then(
        showing("interactions"),
        "question_mark",
        done=lambda app: isinstance(app.screen, HelpScreen),
    )
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def test_reject_note(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    run_before = then(
        showing("fixtures", "3"),
        "down",
        "r",
        done=lambda app: isinstance(app.screen, RejectNoteScreen),
    )
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def test_edit_notes(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    run_before = then(
        showing("fixtures", "3"),
        "down",
        "n",
        done=lambda app: isinstance(app.screen, EditNotesScreen),
    )
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def test_command_palette(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    run_before = then(
        showing("fixtures", "3"),
        "ctrl+p",
        done=lambda app: isinstance(app.screen, CommandPalette),
    )
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def test_fixture_detail(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    """The draft whose yearBuilt is a string: the operation's schema and the problem."""
    run_before = then(
        showing("fixtures", "3"),
        "down",
        "down",
        "down",
        "enter",
        done=lambda app: isinstance(app.screen, FixtureDetailScreen),
    )
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def test_start_verification(
    snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]
) -> None:
    run_before = then(
        showing("verifications", "2"),
        "v",
        done=lambda app: isinstance(app.screen, StartVerificationScreen),
    )
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


def test_alert_detail(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    run_before = then(
        showing("alerts", "4"),
        "enter",
        done=lambda app: isinstance(app.screen, AlertDetailScreen),
    )
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=run_before)


# -- theme and the daemon away ------------------------------------------------------------


def test_light_theme(snap_compare: SnapCompare, scene_app: Callable[..., EntenteApp]) -> None:
    assert snap_compare(
        scene_app(dark=False), terminal_size=SIZE, run_before=showing("interactions")
    )


def test_daemon_unavailable(
    snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No daemon runs for the home and the app may not start one: it says so."""
    home = tmp_path / "empty-home"
    monkeypatch.setenv("ENTENTE_HOME", str(home))
    app = EntenteApp(tmp_path / "project", home=home, start_daemon=False)

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.connection == "unavailable", "the link to fail")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


# -- a small terminal: 80×24 ------------------------------------------------------------

SMALL = (80, 24)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("interactions", None),
        ("verifications", "2"),
        ("fixtures", "3"),
        ("alerts", "4"),
        ("deploy", "5"),
    ],
)
def test_small_terminal(
    snap_compare: SnapCompare,
    scene_app: Callable[..., EntenteApp],
    name: str,
    key: str | None,
) -> None:
    """Each main screen at 80×24: the columns shrink, nothing essential is cut."""
    assert snap_compare(scene_app(), terminal_size=SMALL, run_before=showing(name, key))
