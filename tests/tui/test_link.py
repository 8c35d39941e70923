"""The app's link to the daemon: a client handed in, the event stream failing (shown in the
header, retried, never ending the app), a daemon of another version; and the key bindings,
each with an id, that make the command palette."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Static

import entente_tui
from entente_daemon.client import AsyncDaemonClient, RunPaths, RuntimeInfo
from entente_daemon.client.endpoint import require_endpoint
from entente_daemon.client.errors import DaemonVersionMismatch
from entente_daemon.model import Event
from entente_tui.app import EntenteApp
from entente_tui.bindings import PaletteBinding
from entente_tui.host import EntenteHost
from entente_tui.link_state import LinkState
from entente_tui.widgets.status_header import StatusHeader
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon

from .conftest import linked, make_app, until
from .settle import workers_idle

SIZE = (140, 40)


class BreakableClient(AsyncDaemonClient):
    """The real client of the test's daemon, whose event stream fails while ``problem`` is
    set (before any event: as a daemon refusing it would)."""

    problem: Exception | None = None
    opened = 0

    async def stream_events(self, since: int | None = None, **options: Any) -> AsyncIterator[Event]:
        self.opened += 1
        if self.problem is not None:
            raise self.problem
        async for event in super().stream_events(since, **options):
            yield event


def breakable(home: Path, problem: Exception) -> BreakableClient:
    client = BreakableClient(require_endpoint(home), home=home, rediscover=True)
    client.problem = problem
    return client


def header(app: EntenteApp) -> str:
    return app.screen.query_one(StatusHeader).render().plain


def showing(app: EntenteApp, name: str) -> Callable[[], bool]:
    return lambda: app.screen.name == name


def handed(castle: CastleProject, home: Path, client: AsyncDaemonClient) -> EntenteApp:
    return EntenteApp(castle.config.parent, home=home, start_daemon=False, client=client)


def test_the_app_is_the_host_its_screens_see() -> None:
    """Screens know the app only as `EntenteHost` (mypy checks that the app is one)."""
    host: EntenteHost = EntenteApp(start_daemon=False)
    assert host.project is None
    assert host.unseen_alerts == host.pending_fixtures == 0


async def test_the_app_talks_through_a_handed_client(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    client = AsyncDaemonClient.connect(home)
    try:
        app = handed(castle, home, client)
        async with app.run_test(size=SIZE) as pilot:
            await linked(pilot)
            assert app.client is client
            assert app.project is not None
            assert app.project.service == "castle-client"
        assert (await client.health()).ok  # the app left it open: the caller closes it
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("problem", "state", "detail"),
    [
        (
            RuntimeError("the stream broke"),
            LinkState.STREAM_ERROR,
            "RuntimeError: the stream broke",
        ),
        (
            DaemonVersionMismatch("the running Entente daemon (pid 1) is version 0.0.0"),
            LinkState.WRONG_VERSION,
            "the running Entente daemon (pid 1) is version 0.0.0",
        ),
    ],
    ids=["an error", "a daemon turned another version"],
)
async def test_a_failing_event_stream_is_shown_and_retried(
    daemon: Daemon,
    castle: CastleProject,
    home: Path,
    problem: Exception,
    state: LinkState,
    detail: str,
) -> None:
    """The stream fails before any event: the header says how, the app runs on and opens the
    stream again (with backoff) until it works."""
    client = breakable(home, problem)
    try:
        app = handed(castle, home, client)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.connection is state, f"the state {state}")
            assert f"daemon: {state}" in header(app)
            assert app.link_status.detail == detail
            await until(pilot, lambda: client.opened >= 2, "the stream opened again")
            assert app.is_running
            assert app.connection is state

            client.problem = None
            await until(pilot, lambda: app.connection is LinkState.LIVE, "the stream back")
            assert "daemon: live" in header(app)
            before = app.last_seq
            with daemon.client() as sync:
                sync.attach_project(castle.config)  # an event: project attached
            await until(pilot, lambda: app.last_seq != before, "events flowing again")
            await until(pilot, lambda: workers_idle(app), "the screen reloaded")
    finally:
        await client.aclose()


async def test_a_daemon_of_another_version_at_start(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    """The running daemon says it is another version: the app says so instead of linking."""
    paths = RunPaths.for_home(home)
    original = paths.info.read_text(encoding="utf-8")
    other = RuntimeInfo.model_validate_json(original).model_copy(update={"version": "0.0.0-old"})
    paths.info.write_text(other.model_dump_json(), encoding="utf-8")
    try:
        app = make_app(castle, home)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.connection is LinkState.WRONG_VERSION, "the state")
            assert app.link is None
            shown = str(app.query_one("#connecting", Static).content)
            assert "runs another version" in shown
            assert "0.0.0-old" in shown
    finally:
        paths.info.write_text(original, encoding="utf-8")


# -- the bindings and the palette ---------------------------------------------------------


def tui_classes() -> list[type[DOMNode]]:
    """Every app, screen and widget class defined in entente_tui."""
    found: list[type[DOMNode]] = []
    for info in pkgutil.walk_packages(entente_tui.__path__, "entente_tui."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, DOMNode)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def test_every_binding_has_an_id() -> None:
    """So that users can remap any key through Textual's keymap."""
    ids: list[str] = []
    for cls in tui_classes():
        for binding in cls.__dict__.get("BINDINGS", []):
            assert isinstance(binding, Binding), f"{cls.__name__}: {binding!r} has no id"
            assert binding.id, f"{cls.__name__}: the binding of {binding.key!r} has no id"
            ids.append(binding.id)
    assert len(ids) > 30
    assert sorted(ids) == sorted(set(ids)), "binding ids are unique"


async def test_the_palette_offers_the_bindings(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    """On each main screen, the palette's commands past Textual's own are the app's and the
    screen's palette bindings, with their titles and help, then the other screens'; running
    one runs the binding."""
    app = make_app(castle, home)
    async with app.run_test(size=SIZE) as pilot:
        await linked(pilot)
        for name in ("verifications", "fixtures", "alerts", "interactions"):
            screen = app.screen
            textual_own = list(App.get_system_commands(app, screen))
            commands = list(app.get_system_commands(screen))
            assert [c.title for c in commands[: len(textual_own)]] == [c.title for c in textual_own]
            bindings = [*EntenteApp.BINDINGS, *type(screen).BINDINGS]
            expected = [(b.title, b.help) for b in bindings if isinstance(b, PaletteBinding)]
            ours = [(c.title, c.help) for c in commands[len(textual_own) :]]
            assert ours[: len(expected)] == expected
            # Then the other main screens' commands, each named after its screen (issue 12:
            # every action of the app from any screen; `test_palette.py` checks them).
            others = {s.TITLE for s in app._screens.values() if s is not screen}
            assert all(title.split(": ", 1)[0] in others for title, _ in ours[len(expected) :])
            (show,) = (c for c in commands if c.title == f"Show {name.title()}")
            result = show.callback()
            if inspect.isawaitable(result):
                await result
            await until(pilot, showing(app, name), f"the {name} screen")
