"""The Entente TUI: a thin app that links to the daemon, follows its event stream and hands
the events to its screens in batches (at most one batch per frame), so that hundreds of
interactions a second cost a few redraws, not hundreds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from entente_daemon.client import (
    AsyncDaemonClient,
    Backoff,
    DaemonError,
    DaemonVersionMismatch,
    MockInfo,
    ProjectInfo,
    StreamState,
    StreamStatus,
)
from entente_daemon.client.events import BreakingChange
from entente_daemon.client.wire import BrokerStatus
from entente_daemon.errors import EntenteError
from entente_daemon.model import Event, EventKind

from .alerts_text import alert_summary, breaking_of, is_alert, label_of, severity_of
from .bindings import PaletteBinding, commands_of
from .link import Link, open_link
from .link_state import LOST, LinkState, LinkStatus
from .messages import ShowScreen, ShowVerification
from .screens import MAIN_SCREENS, VerificationsScreen
from .screens.base import LiveScreen
from .screens.help import HelpScreen
from .themes import THEMES

FRAME_SECONDS = 1 / 30
#: Events after which the header's mocks may have changed.
STATUS_KINDS = frozenset(
    {
        EventKind.SPEC_RELOADED,
        EventKind.SPEC_ERROR,
        EventKind.MOCK_ERROR,
        EventKind.CONFIG_ERROR,
        EventKind.PROJECT_ERROR,
        EventKind.PROJECT_ATTACHED,
        EventKind.PROJECT_DETACHED,
        EventKind.SYNC_PROGRESS,  # the header's broker state
        EventKind.SYNC_ERROR,
    }
)

#: Events after which the number of draft fixtures (the nav bar's badge) may have changed.
FIXTURE_KINDS = frozenset(
    {EventKind.FIXTURE_CREATED, EventKind.FIXTURE_APPROVED, EventKind.FIXTURE_REJECTED}
)


class EntenteApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Entente"
    BINDINGS = [
        *(
            PaletteBinding(
                key,
                f"show('{name}')",
                title,
                show=False,
                id=f"app.show_{name}",
                title=f"Show {title}",
                help=f"Switch to the {title} screen",
            )
            for key, name, title in (
                ("1", "interactions", "Interactions"),
                ("2", "verifications", "Verifications"),
                ("3", "fixtures", "Fixtures"),
                ("4", "alerts", "Alerts"),
                ("5", "deploy", "Deploy"),
                ("6", "sync", "Sync"),
            )
        ),
        PaletteBinding(
            "question_mark",
            "help",
            "Help",
            key_display="?",
            id="app.help",
            title="Help",
            help="Every key binding",
        ),
        PaletteBinding(
            "t",
            "toggle_theme",
            "Theme",
            id="app.theme",
            title="Switch theme",
            help="Light or dark",
        ),
        Binding("q", "quit", "Quit", id="app.quit"),  # the palette has Textual's own Quit
    ]

    project: reactive[ProjectInfo | None] = reactive(None)
    link_status: reactive[LinkStatus] = reactive(LinkStatus())
    mocks: reactive[tuple[MockInfo, ...]] = reactive(())
    broker: reactive[BrokerStatus | None] = reactive(None)  # the sync (header, nav bar)
    unseen_alerts: reactive[int] = reactive(0)
    #: The breaking-change alerts that stand, one per watched spec (the header marks them).
    breaking: reactive[tuple[BreakingChange, ...]] = reactive(())
    pending_fixtures: reactive[int] = reactive(0)

    def __init__(
        self,
        project_dir: Path | None = None,
        *,
        home: Path | None = None,
        start_daemon: bool = True,
        dark: bool = True,
        client: AsyncDaemonClient | None = None,
    ) -> None:
        """``client``: talk to the daemon through this one (the caller's to close) instead
        of finding the running daemon (or starting one, when ``start_daemon``)."""
        super().__init__()
        self.project_dir = project_dir
        self.home = home
        self.start_daemon = start_daemon
        self.given_client = client
        self.link: Link | None = None
        self._retry_delays: Iterator[float] = iter(Backoff().delays())
        self.last_seq: int | None = None
        self._pending: list[Event] = []
        self._screens: dict[str, LiveScreen] = {}
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = "entente-dark" if dark else "entente-light"

    @property
    def client(self) -> AsyncDaemonClient:
        if self.link is None:
            raise DaemonError("not linked to the daemon yet")
        return self.link.client

    @property
    def connection(self) -> LinkState:
        """The link's state (``link_status`` has the detail and the retry delay too)."""
        return self.link_status.state

    # -- start-up ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("Connecting to the Entente daemon…", id="connecting")

    def on_mount(self) -> None:
        self.set_interval(FRAME_SECONDS, self._deliver)
        self.connect()

    @work(exclusive=True, group="link")
    async def connect(self) -> None:
        try:
            link = await open_link(
                self.project_dir,
                home=self.home,
                start=self.start_daemon,
                client=self.given_client,
            )
        except DaemonVersionMismatch as exc:
            self.link_status = LinkStatus(LinkState.WRONG_VERSION, str(exc))
            self.query_one("#connecting", Static).update(
                f"[b red]The Entente daemon runs another version[/]\n\n{exc}\n\n"
                "Press [b]q[/b] to quit, restart the daemon and run entente-tui again."
            )
            return
        except EntenteError as exc:
            self.link_status = LinkStatus(LinkState.UNAVAILABLE, str(exc))
            self.query_one("#connecting", Static).update(
                f"[b red]Cannot reach the Entente daemon[/]\n\n{exc}\n\n"
                "Press [b]q[/b] to quit; start it with `entente-daemon start` and run "
                "entente-tui again."
            )
            return
        self.link = link
        self.project = link.project
        if link.problem:
            self.notify(link.problem, title="Project not attached", severity="error", timeout=10)
        for screen_class in MAIN_SCREENS:
            screen = screen_class()
            self._screens[screen.NAME] = screen
            self.install_screen(screen, screen.NAME)
        await self.push_screen("interactions")
        self.refresh_status()
        self.count_pending_fixtures()
        self.load_breaking()
        self.follow_events()

    async def on_unmount(self) -> None:
        if self.link is not None and self.link.owns_client:
            await self.link.client.aclose()

    # -- the live stream --------------------------------------------------------------

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def follow_events(self) -> None:
        """Follow the daemon's events for as long as the app runs. The client reconnects
        when the daemon goes away; whatever else ends the stream (a daemon of another
        version, a refused request, a bug) is shown in the header, and the stream is opened
        again after a backoff: nothing here ends the app."""
        while True:
            try:
                async for event in self.client.stream_events(
                    self.last_seq, on_state=self._on_stream
                ):
                    self.last_seq = event.seq
                    self._pending.append(event)
                problem = LinkStatus(LinkState.STREAM_ERROR, "the event stream ended")
            except DaemonVersionMismatch as exc:
                problem = LinkStatus(LinkState.WRONG_VERSION, str(exc))
            except Exception as exc:  # shown, then retried: the worker must not end the app
                problem = LinkStatus(LinkState.STREAM_ERROR, f"{type(exc).__name__}: {exc}")
            delay = next(self._retry_delays)
            self._stream_failed(replace(problem, retry_in=delay))
            await asyncio.sleep(delay)  # backoff before opening the stream again

    def _stream_failed(self, status: LinkStatus) -> None:
        if self.connection is not status.state:
            titles = {
                LinkState.WRONG_VERSION: "Daemon of another version",
                LinkState.STREAM_ERROR: "Event stream failed: retrying",
            }
            self.notify(status.detail or "", title=titles[status.state], severity="error")
        self.link_status = status

    def _on_stream(self, status: StreamStatus) -> None:
        previous = self.connection
        if status.state is StreamState.RECONNECTING:
            self.link_status = LinkStatus(LinkState.RECONNECTING, status.detail, status.retry_in)
            if previous is LinkState.LIVE:
                self.notify(
                    status.detail or "the daemon went away",
                    title="Daemon lost: reconnecting",
                    severity="error",
                )
        elif status.state is StreamState.LIVE:
            self.link_status = LinkStatus(LinkState.LIVE)
            self._retry_delays = iter(Backoff().delays())
            if previous in LOST:
                self.notify("Reconnected; resumed the event stream.", title="Daemon back")
                self.refresh_status()
                self.load_breaking()
                for screen in self._screens.values():
                    screen.daemon_returned()
        elif status.state is StreamState.FELL_BEHIND:
            self.link_status = LinkStatus(LinkState.FELL_BEHIND, status.detail)
        elif previous in LOST:  # connecting again: still say why the last attempt failed
            self.link_status = replace(self.link_status, retry_in=None)
        else:
            self.link_status = LinkStatus(LinkState.CONNECTING)

    def _deliver(self) -> None:
        """Once per frame: hand what arrived to every screen, as one batch."""
        if not self._pending or not self.screen_stack:  # nothing, or the app is ending
            return
        batch, self._pending = self._pending, []
        for screen in self._screens.values():
            screen.take_events(batch)
        self._note_alerts(batch)
        if any(event.kind in STATUS_KINDS for event in batch):
            self.refresh_status()
        if any(event.kind in FIXTURE_KINDS for event in batch):
            self.count_pending_fixtures()

    def _note_alerts(self, batch: list[Event]) -> None:
        # The Alerts screen counts as seen while it is under a modal too (its detail view).
        showing_alerts = any(screen.name == "alerts" for screen in self.screen_stack)
        for event in batch:
            if not is_alert(event):
                continue
            breaking = breaking_of(event)
            if breaking is not None:
                self.breaking = standing_breaking(self.breaking, breaking)
            if not showing_alerts and not (breaking is not None and breaking.cleared):
                self.unseen_alerts += 1
            self.notify(alert_summary(event), title=label_of(event), severity=severity_of(event))

    @work(exclusive=True, group="status")
    async def refresh_status(self) -> None:
        try:
            status = await self.client.status()
        except DaemonError:
            return
        self.mocks = tuple(status.mocks)
        self.broker = status.broker
        if self.project is not None:
            for project in status.projects:
                if project.config == self.project.config:
                    self.project = project

    @work(exclusive=True, group="breaking")
    async def load_breaking(self) -> None:
        """The breaking-change alerts that stand now (emitted before we connected)."""
        try:
            found = await self.client.breaking_changes()
        except DaemonError:
            return
        self.breaking = tuple(found)

    @work(exclusive=True, group="pending")
    async def count_pending_fixtures(self) -> None:
        """The nav bar's badge, before the Fixtures screen is first opened (it keeps the
        count from then on)."""
        try:
            drafts = await self.client.fixtures(status="draft")
        except DaemonError:
            return
        self.pending_fixtures = len(drafts)

    # -- actions ----------------------------------------------------------------------

    def action_show(self, name: str) -> None:
        if name not in self._screens or self.screen.name == name:
            return
        if name == "alerts":
            self.unseen_alerts = 0
        if isinstance(self.screen, LiveScreen):
            self.switch_screen(name)

    def on_show_screen(self, message: ShowScreen) -> None:
        self.action_show(message.name)

    async def on_show_verification(self, message: ShowVerification) -> None:
        """Show the Verifications screen on the run that stored the verification."""
        screen = self._screens.get("verifications")
        if isinstance(screen, VerificationsScreen):
            await self.go_to("verifications")
            screen.show_verification(message.verification_id)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = "entente-light" if self.theme == "entente-dark" else "entente-dark"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show":  # the main screens exist once linked
            return bool(parameters) and parameters[0] in self._screens
        return True

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands, then the app's bindings and the screen's that carry a palette
        title (`PaletteBinding`), then the other main screens' (``Fixtures: Approve
        fixture``: switches to that screen and does it there). The palette offers every
        action of the app, read from the bindings."""
        yield from super().get_system_commands(screen)
        yield from self._commands_of(self)
        if isinstance(screen, LiveScreen):
            yield from self._commands_of(screen)
            for other in self._screens.values():
                if other is not screen:
                    yield from self._commands_elsewhere(other)

    def _commands_of(self, node: DOMNode) -> Iterable[SystemCommand]:
        for title, help_text, run in commands_of(node):
            yield SystemCommand(title, help_text, run)

    def _commands_elsewhere(self, target: LiveScreen) -> Iterable[SystemCommand]:
        """``target``'s commands, each switching to it first (titled with its name)."""
        prefix = f"{target.TITLE}: "
        for title, help_text, run in commands_of(target):

            async def go(run: Callable[[], Awaitable[bool]] = run) -> None:
                await self.go_to(target.NAME)
                await run()

            named = title if title.startswith(prefix) else f"{prefix}{title}"
            yield SystemCommand(named, f"{help_text} (on the {target.TITLE} screen)", go)

    async def go_to(self, name: str) -> None:
        """Show the main screen ``name`` and wait until it shows."""
        if self.screen.name != name and name in self._screens:
            if name == "alerts":
                self.unseen_alerts = 0
            await self.switch_screen(name)


def standing_breaking(
    standing: tuple[BreakingChange, ...], newer: BreakingChange
) -> tuple[BreakingChange, ...]:
    """The alerts that stand once ``newer`` replaced its spec's (none left when cleared)."""
    kept = tuple(b for b in standing if b.key != newer.key)
    return kept if newer.cleared else (*kept, newer)
