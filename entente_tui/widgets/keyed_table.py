"""A table of items, one row each under a key: what the Deploy screen's readiness matrix and
the Verifications screen's run list share. It keeps the cursor on the item it was on when the
rows change or the theme recolours them, and turns the table's own highlight and select into
the subclass's messages (``Chosen``: the item under the cursor, or None; ``Opened``: enter)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

T = TypeVar("T")


class KeyedTable(DataTable[Text | str], Generic[T]):
    """Subclasses give ``COLUMNS`` (key, label, width), ``key_of``, ``cells_of`` and the two
    messages (``chosen``, ``opened``)."""

    COLUMNS: ClassVar[tuple[tuple[str, str, int], ...]] = ()

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._items: list[T] = []

    # -- what a subclass says ----------------------------------------------------------------

    def key_of(self, item: T) -> str:
        raise NotImplementedError

    def cells_of(self, item: T) -> tuple[Text | str, ...]:
        raise NotImplementedError

    def chosen(self, item: T | None) -> Message:
        raise NotImplementedError

    def opened(self, item: T) -> Message:
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        for key, label, width in self.COLUMNS:
            self.add_column(label, key=key, width=width)
        self.watch(self.app, "theme", self._recolour, init=False)

    @property
    def items(self) -> list[T]:
        return list(self._items)

    @property
    def current(self) -> T | None:
        if not self._items or not self.is_valid_row_index(self.cursor_row):
            return None
        return self._items[self.cursor_row]

    def select(self, key: str) -> bool:
        """Put the cursor on the item ``key``; False when it is not listed."""
        for index, item in enumerate(self._items):
            if self.key_of(item) == key:
                self.move_cursor(row=index, animate=False)
                return True
        return False

    def replace_items(self, items: Sequence[T]) -> bool:
        """Show exactly ``items``, redrawn, with the cursor kept on the item it was on;
        whether that item is still listed (the cursor stays put: no ``Chosen`` is due)."""
        under = self.current
        self._items = list(items)
        self._render_rows()
        return under is not None and self.select(self.key_of(under))

    def _render_rows(self) -> None:
        self.clear()
        for item in self._items:
            self.add_row(*self.cells_of(item), key=self.key_of(item))

    def _recolour(self, _theme: str) -> None:
        row = self.cursor_row
        self._render_rows()
        if self.is_valid_row_index(row):
            self.move_cursor(row=row, animate=False)

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        message.stop()
        self.post_message(self.chosen(self.current))

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        item = self.current
        if item is not None:
            self.post_message(self.opened(item))
