"""The Alerts screen: spec errors (file, line, what is wrong), spec reloads, store and sync
errors, flagged fixtures and breaking changes, newest first, as they happen.

What is there at start comes from ``GET /v1/alerts``; the rest from the live stream. The
daemon keeps its alerts in memory only (and lists no reloads), so this screen keeps every
alert the stream brings, even while another screen shows and across daemon restarts: a
restart empties the daemon's list, not this one. ``c`` hides what is listed (only here).

Breaking changes are the exception: a ``spec.breaking_change`` replaces the last one of the
same spec (provider and file), and one without changes takes it away, so that what is listed
is what breaks now. ``enter`` on one of its changes shows the change in detail
(`BreakingDetailScreen`: old and new schema side by side, the interaction it breaks)."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.widgets import Static

from entente_daemon.client.errors import DaemonError
from entente_daemon.model import Event
from entente_tui.alerts_text import breaking_of, is_alert
from entente_tui.bindings import PaletteBinding
from entente_tui.widgets.alert_table import AlertTable

from .alert_detail import AlertDetailScreen
from .base import LiveScreen
from .breaking_detail import BreakingDetailScreen

KEPT = 1000  # alerts kept in view; older ones drop off


class AlertsScreen(LiveScreen):
    NAME = "alerts"
    TITLE = "Alerts"
    CSS_PATH = "alerts.tcss"
    BINDINGS = [
        PaletteBinding(
            "enter",
            "open",
            "Details",
            id="alerts.open",
            title="Alert details",
            help="The whole of the alert under the cursor",
        ),
        PaletteBinding(
            "c",
            "clear",
            "Clear",
            id="alerts.clear",
            title="Clear alerts",
            help="Hide the alerts listed (only in this view)",
        ),
        PaletteBinding(
            "u",
            "unclear",
            "Show cleared",
            id="alerts.unclear",
            title="Show cleared alerts",
            help="List the alerts hidden by clear again",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._known: dict[int, Event] = {}
        self._cleared_through = 0  # alerts up to this sequence number are hidden
        self._stale = False  # alerts arrived while another screen showed

    def compose_body(self) -> ComposeResult:
        yield Static("", id="alerts-summary")
        yield AlertTable(id="alerts-table")
        yield Static(
            "No alerts. Spec errors and reloads, store and sync errors, flagged fixtures and "
            "breaking changes appear here as they happen.",
            id="alerts-empty",
        )

    @property
    def table(self) -> AlertTable:
        return self.query_one(AlertTable)

    @property
    def listed(self) -> list[Event]:
        """The alerts listed, newest first."""
        shown = [e for seq, e in self._known.items() if seq > self._cleared_through]
        return sorted(shown, key=lambda e: e.seq, reverse=True)

    # -- data ---------------------------------------------------------------------------

    def reload(self) -> None:
        self.load_alerts()

    @work(exclusive=True, group="alerts-load")
    async def load_alerts(self) -> None:
        try:
            alerts = await self.client.alerts()
        except DaemonError as exc:
            self.notify(f"Could not read the daemon's alerts: {exc}", severity="error")
            return
        self._fold(alerts)
        self._show()

    def take_events(self, events: list[Event]) -> None:
        """Every alert is kept, whichever screen shows: the daemon cannot list them all
        again later (it lists no reloads, and forgets everything when it restarts)."""
        fresh = [event for event in events if is_alert(event)]
        if not fresh:
            return
        self._fold(fresh)
        if self.is_current:
            self._show()
        else:
            self._stale = True

    def apply_events(self, events: Iterable[Event]) -> None:
        self._fold(e for e in events if is_alert(e))
        self._show()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self._stale:
            self._stale = False
            self._show()

    def _fold(self, events: Iterable[Event]) -> None:
        for event in events:
            if not is_alert(event):
                continue
            breaking = breaking_of(event)
            if breaking is not None:
                self._replace_breaking(event, breaking.key, bool(breaking.changes))
            else:
                self._known[event.seq] = event
        if len(self._known) > KEPT:
            for seq in sorted(self._known)[: len(self._known) - KEPT]:
                del self._known[seq]

    def _replace_breaking(self, event: Event, key: tuple[str, str], standing: bool) -> None:
        """A spec's newer breaking changes replace its older ones; none: the alert goes."""
        older = [
            seq
            for seq, known in self._known.items()
            if (b := breaking_of(known)) is not None and b.key == key
        ]
        if any(seq > event.seq for seq in older):
            return  # an older event, arriving late (the daemon's list on connect)
        for seq in older:
            del self._known[seq]
        if standing:
            self._known[event.seq] = event

    def _show(self) -> None:
        try:
            self._show_now()
        except NoMatches:  # torn down (the app is closing): nothing to show any more
            return

    def _show_now(self) -> None:
        visible = self.listed
        self.table.show(visible)
        self.table.display = bool(visible)
        self.query_one("#alerts-empty", Static).display = not visible
        hidden = sum(1 for seq in self._known if seq <= self._cleared_through)
        summary = f"{len(visible)} alert(s), newest first"
        if hidden:
            summary += f"; {hidden} cleared (u shows them again)"
        self.query_one("#alerts-summary", Static).update(summary)

    # -- actions ------------------------------------------------------------------------

    def on_alert_table_opened(self, message: AlertTable.Opened) -> None:
        self._open(message.event, message.change)

    def action_open(self) -> None:
        row = self.table.current_row
        if row is not None:
            self._open(*row)

    def _open(self, event: Event, change: int | None) -> None:
        breaking = breaking_of(event)
        if breaking is not None and breaking.changes:
            self.app.push_screen(BreakingDetailScreen(breaking, change or 0))
        else:
            self.app.push_screen(AlertDetailScreen(event))

    def action_clear(self) -> None:
        if self._known:
            self._cleared_through = max(self._cleared_through, max(self._known))
        self.entente.unseen_alerts = 0
        self._show()

    def action_unclear(self) -> None:
        self._cleared_through = 0
        self._show()
