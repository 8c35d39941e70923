"""The Entente TUI: a thin app that links to the daemon, follows its event stream and hands
the events to its screens in batches (at most one batch per frame), so that hundreds of
interactions a second cost a few redraws, not hundreds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from entente_daemon.client import AsyncDaemonClient
from entente_daemon.client.aio import StreamState, StreamStatus
from entente_daemon.client.errors import DaemonError
from entente_daemon.client.wire import MockInfo, ProjectInfo
from entente_daemon.errors import EntenteError
from entente_daemon.model import Event, EventKind

from .alerts_text import alert_summary, is_alert, label_of, severity_of
from .link import Link, open_link
from .messages import ShowScreen
from .screens import MAIN_SCREENS
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
        Binding("1", "show('interactions')", "Interactions", show=False),
        Binding("2", "show('verifications')", "Verifications", show=False),
        Binding("3", "show('fixtures')", "Fixtures", show=False),
        Binding("4", "show('alerts')", "Alerts", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("t", "toggle_theme", "Theme"),
        Binding("q", "quit", "Quit"),
    ]

    project: reactive[ProjectInfo | None] = reactive(None)
    connection: reactive[str] = reactive("connecting")
    mocks: reactive[tuple[MockInfo, ...]] = reactive(())
    unseen_alerts: reactive[int] = reactive(0)
    pending_fixtures: reactive[int] = reactive(0)

    def __init__(
        self,
        project_dir: Path | None = None,
        *,
        home: Path | None = None,
        start_daemon: bool = True,
        dark: bool = True,
    ) -> None:
        super().__init__()
        self.project_dir = project_dir
        self.home = home
        self.start_daemon = start_daemon
        self.link: Link | None = None
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

    # -- start-up ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("Connecting to the Entente daemon…", id="connecting")

    def on_mount(self) -> None:
        self.set_interval(FRAME_SECONDS, self._deliver)
        self.connect()

    @work(exclusive=True, group="link")
    async def connect(self) -> None:
        try:
            link = await open_link(self.project_dir, home=self.home, start=self.start_daemon)
        except EntenteError as exc:
            self.connection = "unavailable"
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
        self.follow_events()

    async def on_unmount(self) -> None:
        if self.link is not None:
            await self.link.client.aclose()

    # -- the live stream --------------------------------------------------------------

    @work(exclusive=True, group="stream")
    async def follow_events(self) -> None:
        async for event in self.client.stream_events(self.last_seq, on_state=self._on_stream):
            self.last_seq = event.seq
            self._pending.append(event)

    def _on_stream(self, status: StreamStatus) -> None:
        previous = self.connection
        if status.state is StreamState.RECONNECTING:
            retry = f" in {status.retry_in:.1f}s" if status.retry_in else ""
            self.connection = f"reconnecting{retry}"
            if previous == "live":
                self.notify(
                    status.detail or "the daemon went away",
                    title="Daemon lost: reconnecting",
                    severity="error",
                )
        elif status.state is StreamState.LIVE:
            self.connection = "live"
            if previous.startswith("reconnecting"):
                self.notify("Reconnected; resumed the event stream.", title="Daemon back")
                self.refresh_status()
                for screen in self._screens.values():
                    screen.daemon_returned()
        else:
            self.connection = status.state.value.replace("_", " ")

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
            if not showing_alerts:
                self.unseen_alerts += 1
            self.notify(alert_summary(event), title=label_of(event), severity=severity_of(event))

    @work(exclusive=True, group="status")
    async def refresh_status(self) -> None:
        try:
            status = await self.client.status()
        except DaemonError:
            return
        self.mocks = tuple(status.mocks)
        if self.project is not None:
            for project in status.projects:
                if project.config == self.project.config:
                    self.project = project

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

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = "entente-light" if self.theme == "entente-dark" else "entente-dark"

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for name, live in self._screens.items():
            yield SystemCommand(
                f"Show {live.TITLE}", f"Switch to the {live.TITLE} screen", self._shower(name)
            )
        yield SystemCommand("Help", "Every key binding", self.action_help)
        yield SystemCommand("Switch theme", "Light or dark", self.action_toggle_theme)
        if isinstance(screen, LiveScreen):
            for title, help_text, callback in screen.palette_commands():
                yield SystemCommand(title, help_text, callback)

    def _shower(self, name: str) -> Callable[[], None]:
        return lambda: self.action_show(name)
