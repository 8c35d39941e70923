"""The verification runs as a table, newest first: state, provider version, consumer
versions, progress, passed and failed counts, when and how long. Give it rows (`show`); it
reports the run under the cursor (`Chosen`) and the one the user opens (`Opened`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message

from .clock import clock
from .keyed_table import KeyedTable
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


class VerificationTable(KeyedTable[RunRow]):
    """Runs keyed by `RunRow.key`."""

    COLUMNS = COLUMNS

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

    def key_of(self, item: RunRow) -> str:
        return item.key

    def chosen(self, item: RunRow | None) -> Message:
        return self.Chosen(item)

    def opened(self, item: RunRow) -> Message:
        return self.Opened(item)

    @property
    def rows_shown(self) -> list[RunRow]:
        return self.items

    def show(self, rows: Sequence[RunRow]) -> None:
        """Show exactly these rows in this order: cells of the runs already listed are
        updated in place (progress events cost a few cells, not a redraw of the table)."""
        rows = list(rows)
        if [r.key for r in rows] == [r.key for r in self._items]:
            for old, new in zip(self._items, rows, strict=True):
                if old != new:
                    self._update(old, new)
            self._items = rows
            return
        if not self.replace_items(rows):
            self.post_message(self.Chosen(self.current))

    def _update(self, old: RunRow, new: RunRow) -> None:
        before: tuple[Text | str, ...] = self.cells_of(old)
        after: tuple[Text | str, ...] = self.cells_of(new)
        for (column, *_), was, now in zip(COLUMNS, before, after, strict=True):
            if was != now:
                self.update_cell(new.key, column, now)

    def cells_of(self, item: RunRow) -> Cells:
        theme = self.app.current_theme
        colour = {
            "passed": theme.success,
            "failed": theme.error,
            "error": theme.error,
            "running": theme.primary,
        }.get(item.state) or "default"
        progress = f"{item.done}/{item.total}" if item.total or item.running else "-"
        failed = Text(str(item.failed), style=f"bold {theme.error}" if item.failed else "")
        return (
            Text(item.state, style=f"bold {colour}"),
            f"{item.provider} {item.provider_version}",
            item.consumers or ("…" if item.running else "-"),
            progress,
            str(item.passed),
            failed,
            clock(item.started_at),
            took(item),
        )
