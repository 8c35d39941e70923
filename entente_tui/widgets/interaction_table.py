"""The interactions, oldest at the top and newest at the bottom (like ``tail -f``), one row
per interaction keyed by its id.

The table holds a window of what matches: rows arrive from the screen (a page, a live batch,
an older or newer page) and it keeps at most ``max_rows``, dropping from the far end of the
window. It tells the screen when the cursor reaches an edge (``EdgeReached``: time to page)
or the user asks for the oldest/newest (``JumpRequested``). It never calls the daemon.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from .interaction_rows import COLUMNS, InteractionRow, Palette, fit_columns, row_cells

Edge = Literal["top", "bottom"]
COLUMN_KEYS = tuple(key for key, _label, _width in COLUMNS)
MAX_ROWS = 2_000
#: Rows over ``max_rows`` tolerated before trimming: a trim rebuilds the table, so it is done
#: once per this many rows, not once per batch.
SLACK = 500


class InteractionTable(DataTable[Text]):
    BINDINGS = [
        Binding("home", "jump('oldest')", "Oldest", id="interaction_table.oldest"),
        Binding("end", "jump('newest')", "Newest", id="interaction_table.newest"),
    ]

    class EdgeReached(Message):
        """The cursor is on the first (``top``) or last (``bottom``) row."""

        def __init__(self, edge: Edge) -> None:
            super().__init__()
            self.edge = edge

    class JumpRequested(Message):
        def __init__(self, where: Literal["oldest", "newest"]) -> None:
            super().__init__()
            self.where = where

    def __init__(self, *, max_rows: int = MAX_ROWS, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.max_rows = max_rows
        self.palette = Palette()
        self._rows: dict[str, InteractionRow] = {}  # in display order
        self._columns: tuple[tuple[str, str, int], ...] = ()
        self._shown_keys: tuple[str, ...] = COLUMN_KEYS
        self._rebuilding = False

    def on_mount(self) -> None:
        self._set_columns(COLUMNS)

    def on_resize(self) -> None:
        """A narrow terminal: fewer columns (`fit_columns`), chosen by the app's width (a
        detail pane beside the table scrolls it instead of hiding columns)."""
        wanted = fit_columns(self.app.size.width - 2)  # less the vertical scrollbar
        if wanted != self._columns:
            self._set_columns(wanted)
            self._rebuild(self.current_id)

    def _set_columns(self, columns: tuple[tuple[str, str, int], ...]) -> None:
        self._columns = columns
        self._shown_keys = tuple(key for key, _label, _width in columns)
        self.clear(columns=True)
        for key, label, width in columns:
            self.add_column(label, width=width, key=key)

    def _cells(self, row: InteractionRow) -> list[Text]:
        """The row's cells for the columns shown."""
        cells = dict(zip(COLUMN_KEYS, row_cells(row, self.palette), strict=True))
        return [cells[key] for key in self._shown_keys]

    # -- what the screen asks --------------------------------------------------------------

    def row_data(self, row_id: str) -> InteractionRow | None:
        return self._rows.get(row_id)

    @property
    def ids(self) -> list[str]:
        """The ids shown, top to bottom."""
        return list(self._rows)

    @property
    def current_id(self) -> str | None:
        if not self._rows or not self.is_valid_row_index(self.cursor_row):
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    @property
    def at_bottom(self) -> bool:
        """Whether the cursor is on the newest row shown (or there is none)."""
        return not self._rows or self.cursor_row >= self.row_count - 1

    def show(self, rows: Iterable[InteractionRow], *, cursor: str | None = None) -> None:
        """Replace every row; the cursor on ``cursor`` if shown, else on the newest."""
        self._rows = {row.id: row for row in rows}
        self._rebuild(cursor)

    def append(self, rows: Iterable[InteractionRow], *, follow: bool, trim: bool = True) -> int:
        """Add newer rows at the bottom (those not shown yet); with ``follow`` the cursor
        moves to the newest. With ``trim``, the oldest rows go when there are more than
        ``max_rows`` (following: once the excess passes `SLACK`, so that trimming is done
        once per many batches). Returns how many rows were dropped from the top."""
        added = [row for row in rows if row.id not in self._rows]
        for row in added:
            self._rows[row.id] = row
            self.add_row(*self._cells(row), key=row.id)
        excess = len(self._rows) - self.max_rows
        dropped = 0
        if trim and (excess > SLACK or (excess > 0 and not follow)):
            self._drop_top(excess)
            dropped = excess
        if follow and added:
            self.move_cursor(row=self.row_count - 1, animate=False)
        return dropped

    def _drop_top(self, count: int) -> None:
        """Remove the ``count`` top rows, the cursor staying on its row.

        `DataTable.remove_row` renumbers every row for each row removed (quadratic for a
        trim of hundreds), and a rebuild re-adds every row; this renumbers once. It relies
        on the DataTable's private row bookkeeping (checked against Textual 8.2), so when
        that is not there it falls back to a rebuild."""
        doomed = list(self._rows)[:count]
        cursor = self.current_id
        for row_id in doomed:
            del self._rows[row_id]
        try:
            self._drop_rows_quickly(doomed)
        except (AttributeError, KeyError, TypeError):
            self._rebuild(cursor)
            return
        if cursor in self._rows:
            self._rebuilding = True
            try:
                row, column = self.cursor_coordinate
                self.cursor_coordinate = Coordinate(max(row - count, 0), column)
            finally:
                self._rebuilding = False
            self.scroll_to(y=max(self.scroll_y - count, 0), animate=False, immediate=True)
        else:
            self._rebuild(None)

    def _drop_rows_quickly(self, doomed: list[str]) -> None:
        """What `DataTable.remove_row` does, for many rows at once (``_rows`` has lost
        them already)."""
        keys = {RowKey(row_id) for row_id in doomed}
        kept = {RowKey(row_id): index for index, row_id in enumerate(self._rows)}
        for key in keys:
            del self.rows[key]
            del self._data[key]
            self._new_rows.discard(key)
        self._updated_cells = {cell for cell in self._updated_cells if cell.row_key not in keys}
        self._row_locations = TwoWayDict(kept)
        self._clear_caches()
        self._update_count += 1
        self._require_update_dimensions = True
        self.refresh(layout=True)
        self.check_idle()

    def prepend(self, rows: Iterable[InteractionRow]) -> int:
        """Add older rows at the top (the cursor stays on its row); returns how many of
        the newest rows were dropped from the bottom to stay within ``max_rows``."""
        older = [row for row in rows if row.id not in self._rows]
        if not older:
            return 0
        combined = older + list(self._rows.values())
        dropped = max(len(combined) - self.max_rows, 0)
        self._rows = {row.id: row for row in combined[: len(combined) - dropped]}
        self._rebuild(self.current_id or older[-1].id)
        return dropped

    def update(self, rows: Iterable[InteractionRow]) -> None:
        """Redraw rows shown already after a repeat (its count and its newest answer's
        source and duration change; it keeps its place and first-seen time)."""
        for row in rows:
            if row.id not in self._rows:
                continue
            self._rows[row.id] = row
            cells = dict(zip(COLUMN_KEYS, row_cells(row, self.palette), strict=True))
            for key in ("count", "source", "duration"):
                if key in self._shown_keys:
                    self.update_cell(row.id, key, cells[key])

    def drop_rows(self, ids: Iterable[str]) -> int:
        """Drop rows (deleted interactions), the cursor staying on its row when it stays;
        how many were shown."""
        gone = [row_id for row_id in ids if row_id in self._rows]
        if not gone:
            return 0
        cursor = self.current_id
        if cursor in gone:
            order = list(self._rows)
            after = [i for i in order[order.index(cursor) + 1 :] if i not in gone]
            before = [i for i in order[: order.index(cursor)] if i not in gone]
            cursor = after[0] if after else (before[-1] if before else None)
        for row_id in gone:
            del self._rows[row_id]
        self._rebuild(cursor)
        return len(gone)

    def redraw_rows(self, rows: Iterable[InteractionRow]) -> None:
        """Redraw rows shown whose standing changed (promoted)."""
        changed = False
        for row in rows:
            if row.id in self._rows:
                self._rows[row.id] = row
                changed = True
        if changed:
            self._rebuild(self.current_id)

    def set_palette(self, palette: Palette) -> None:
        if palette != self.palette:
            self.palette = palette
            self._rebuild(self.current_id)

    def _rebuild(self, cursor: str | None) -> None:
        """Draw every row again, the cursor on ``cursor`` (else on the newest). Cursor moves
        on the way are not edges the user reached."""
        self._rebuilding = True
        try:
            self.clear()
            for row in self._rows.values():
                self.add_row(*self._cells(row), key=row.id)
            if self._rows:
                ids = list(self._rows)
                index = ids.index(cursor) if cursor in self._rows else len(ids) - 1
                self.move_cursor(row=index, animate=False)
        finally:
            self._rebuilding = False

    # -- what it tells ---------------------------------------------------------------------

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if self._rebuilding or not self._rows or old.row == new.row:
            return
        if new.row == 0:
            self.post_message(self.EdgeReached("top"))
        elif new.row == self.row_count - 1:
            self.post_message(self.EdgeReached("bottom"))

    def action_jump(self, where: Literal["oldest", "newest"]) -> None:
        self.post_message(self.JumpRequested(where))
