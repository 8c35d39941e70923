"""The alerts as a table, newest first: time, kind (coloured by how much it weighs), where
and what. Give it the alerts (`show`); it reports the one the user opens (`Opened`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from entente_daemon.model import Event
from entente_tui.alerts_text import alert_what, alert_where, label_of, severity_of
from entente_tui.widgets.clock import clock

COLUMNS = (
    ("time", "Time", 8),
    ("kind", "Kind", 15),
    ("where", "Where", 40),  # WHERE_WIDTH
    ("what", "What", None),
)


WHERE_WIDTH, WHERE_NARROW = 40, 24


class AlertTable(DataTable[Text | str]):
    """Alerts keyed by their event's sequence number (``str(seq)``)."""

    class Opened(Message):
        """The user asked for the whole of an alert (enter)."""

        def __init__(self, event: Event) -> None:
            super().__init__()
            self.event = event

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._alerts: list[Event] = []
        self._shown: list[str] = []

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def on_resize(self) -> None:
        """In a narrow terminal the place gets less room, so that what happened shows."""
        where = self.columns[ColumnKey("where")]
        wanted = WHERE_WIDTH if self.app.size.width >= 120 else WHERE_NARROW
        if where.width != wanted:
            where.width = wanted
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh(layout=True)
        self.watch(self.app, "theme", self._recolour, init=False)

    @property
    def alerts(self) -> list[Event]:
        return list(self._alerts)

    @property
    def current(self) -> Event | None:
        """The alert under the cursor."""
        if not self._alerts or not self.is_valid_row_index(self.cursor_row):
            return None
        return self._alerts[self.cursor_row]

    def show(self, alerts: Sequence[Event]) -> None:
        """Show exactly these alerts, in this order; new ones at the top keep the cursor on
        the alert it was on."""
        keys = [str(event.seq) for event in alerts]
        if keys == self._shown:
            return
        under = self.current
        self._alerts = list(alerts)
        self._render_rows()
        if under is not None and str(under.seq) in keys:
            self.move_cursor(row=keys.index(str(under.seq)), animate=False)

    def _render_rows(self) -> None:
        self.clear()
        self._shown = []
        for event in self._alerts:
            key = str(event.seq)
            self.add_row(*self._cells(event), key=key)
            self._shown.append(key)

    def _cells(self, event: Event) -> tuple[str, Text, str, str]:
        time = clock(event.time)
        kind = Text(label_of(event), style=f"bold {self._colour(severity_of(event))}")
        return time, kind, alert_where(event), alert_what(event)

    def _colour(self, severity: str) -> str:
        theme = self.app.current_theme
        colour = {"error": theme.error, "warning": theme.warning}.get(severity, theme.success)
        return colour or "default"

    def _recolour(self, _theme: str) -> None:
        row = self.cursor_row
        self._render_rows()
        if self.is_valid_row_index(row):
            self.move_cursor(row=row, animate=False)

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        event = self.current
        if event is not None:
            self.post_message(self.Opened(event))
