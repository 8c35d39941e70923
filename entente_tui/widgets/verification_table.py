"""The verification runs as a table, newest first: state, provider version, consumer
versions, progress, passed and failed counts, when and how long. Give it rows (`show`); it
reports the run under the cursor (`Chosen`) and the one the user opens (`Opened`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from .clock import clock
from .verification_data import RunRow

COLUMNS = (
    ("state", "State", 8),
    ("provider", "Provider", 26),
    ("consumers", "Consumers", 30),
    ("progress", "Progress", 9),
    ("passed", "Passed", 6),
    ("failed", "Failed", 6),
    ("started", "Started", 8),
    ("took", "Took", 7),
)

Cells = tuple[Text, str, str, str, str, Text, str, str]


def took(row: RunRow) -> str:
    if row.finished_at is None:
        return ""
    seconds = max((row.finished_at - row.started_at).total_seconds(), 0.0)
    return f"{seconds:.1f}s" if seconds < 60 else f"{seconds / 60:.1f}m"


class VerificationTable(DataTable[Text | str]):
    """Runs keyed by `RunRow.key`."""

    class Chosen(Message):
        """The cursor is on another run (or on none: ``row`` None)."""

        def __init__(self, row: RunRow | None) -> None:
            super().__init__()
            self.row = row

    class Opened(Message):
        """The user asked for a run's failures (enter)."""

        def __init__(self, row: RunRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._rows: list[RunRow] = []

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)
        self.watch(self.app, "theme", self._recolour, init=False)

    @property
    def rows_shown(self) -> list[RunRow]:
        return list(self._rows)

    @property
    def current(self) -> RunRow | None:
        if not self._rows or not self.is_valid_row_index(self.cursor_row):
            return None
        return self._rows[self.cursor_row]

    def select(self, key: str) -> bool:
        """Put the cursor on the run ``key``; False when it is not listed."""
        for index, row in enumerate(self._rows):
            if row.key == key:
                self.move_cursor(row=index, animate=False)
                return True
        return False

    def show(self, rows: Sequence[RunRow]) -> None:
        """Show exactly these rows in this order: cells of the runs already listed are
        updated in place (progress events cost a few cells, not a redraw of the table)."""
        rows = list(rows)
        if [r.key for r in rows] == [r.key for r in self._rows]:
            for old, new in zip(self._rows, rows, strict=True):
                if old != new:
                    self._update(old, new)
            self._rows = rows
            return
        under = self.current
        self._rows = rows
        self._render_rows()
        if under is None or not self.select(under.key):
            self.post_message(self.Chosen(self.current))

    def _update(self, old: RunRow, new: RunRow) -> None:
        before: tuple[Text | str, ...] = self._cells(old)
        after: tuple[Text | str, ...] = self._cells(new)
        for (column, *_), was, now in zip(COLUMNS, before, after, strict=True):
            if was != now:
                self.update_cell(new.key, column, now)

    def _render_rows(self) -> None:
        self.clear()
        for row in self._rows:
            self.add_row(*self._cells(row), key=row.key)

    def _cells(self, row: RunRow) -> Cells:
        theme = self.app.current_theme
        colour = {
            "passed": theme.success,
            "failed": theme.error,
            "error": theme.error,
            "running": theme.primary,
        }.get(row.state) or "default"
        progress = f"{row.done}/{row.total}" if row.total or row.running else "-"
        failed = Text(str(row.failed), style=f"bold {theme.error}" if row.failed else "")
        return (
            Text(row.state, style=f"bold {colour}"),
            f"{row.provider} {row.provider_version}",
            row.consumers or ("…" if row.running else "-"),
            progress,
            str(row.passed),
            failed,
            clock(row.started_at),
            took(row),
        )

    def _recolour(self, _theme: str) -> None:
        row = self.cursor_row
        self._render_rows()
        if self.is_valid_row_index(row):
            self.move_cursor(row=row, animate=False)

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        message.stop()
        self.post_message(self.Chosen(self.current))

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        row = self.current
        if row is not None:
            self.post_message(self.Opened(row))
