"""The alerts as a table, newest first: time, kind (coloured by how much it weighs), where
and what. Give it the alerts (`show`); it reports the one the user opens (`Opened`).

A save's breaking changes (``spec.breaking_change``) are one row for the save, then a row per
change under it (its level, rule, place and the consumers it breaks; consumers first, as the
daemon orders them); ``Opened.change`` is the change's index (None: the save's row)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from entente_daemon.model import Event
from entente_tui.alerts_text import (
    alert_what,
    alert_where,
    breaking_of,
    change_line,
    change_where,
    label_of,
    severity_of,
)
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

        def __init__(self, event: Event, change: int | None = None) -> None:
            super().__init__()
            self.event = event
            self.change = change

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._alerts: list[Event] = []
        self._rows: list[tuple[Event, int | None]] = []  # each row's alert, and change
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
        row = self.current_row
        return row[0] if row is not None else None

    @property
    def current_row(self) -> tuple[Event, int | None] | None:
        """The alert under the cursor, and the change of it (a breaking change's row)."""
        if not self._rows or not self.is_valid_row_index(self.cursor_row):
            return None
        return self._rows[self.cursor_row]

    def row_keys(self) -> list[str]:
        return list(self._shown)

    def show(self, alerts: Sequence[Event]) -> None:
        """Show exactly these alerts, in this order; new ones at the top keep the cursor on
        the alert it was on."""
        rows = [row for event in alerts for row in _rows_of(event)]
        keys = [_key(row) for row in rows]
        if keys == self._shown:
            return
        under = self.current_row
        self._alerts = list(alerts)
        self._render_rows()
        if under is not None and _key(under) in keys:
            self.move_cursor(row=keys.index(_key(under)), animate=False)

    def _render_rows(self) -> None:
        self.clear()
        self._shown = []
        self._rows = []
        for event in self._alerts:
            for row in _rows_of(event):
                key = _key(row)
                cells = self._cells(event) if row[1] is None else self._change_cells(*row)
                self.add_row(*cells, key=key)
                self._shown.append(key)
                self._rows.append(row)

    def _cells(self, event: Event) -> tuple[str, Text, str, str]:
        time = clock(event.time)
        kind = Text(label_of(event), style=f"bold {self._colour(severity_of(event))}")
        return time, kind, alert_where(event), alert_what(event)

    def _change_cells(self, event: Event, index: int | None) -> tuple[str, Text, str, str]:
        alert = breaking_of(event)
        assert alert is not None
        assert index is not None
        item = alert.changes[index]
        weight = {"breaking": "error", "warning": "warning"}.get(item.level, "information")
        kind = Text(f"  {item.level}", style=self._colour(weight))
        return "", kind, f"  {change_where(item)}", change_line(item)

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
        row = self.current_row
        if row is not None:
            self.post_message(self.Opened(*row))


def _rows_of(event: Event) -> list[tuple[Event, int | None]]:
    """The alert's row, and one per change of a save's breaking changes."""
    alert = breaking_of(event)
    changes = range(len(alert.changes)) if alert is not None else range(0)
    return [(event, None), *((event, i) for i in changes)]


def _key(row: tuple[Event, int | None]) -> str:
    event, change = row
    return str(event.seq) if change is None else f"{event.seq}:{change}"
