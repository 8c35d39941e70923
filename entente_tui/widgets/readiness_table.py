"""An environment's readiness matrix as a table: a row per (consumer version, provider
version) pair, live consumer versions first (as the daemon orders them), each with its state
as a symbol and a word (readable without colour, as ``entente matrix`` prints them), which
versions run there (● live, ○ candidate) and why. Give it cells (`show`); it reports the
pair under the cursor (`Chosen`) and the one the user opens (`Opened`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from entente_daemon.client.deploy_wire import MatrixCell

#: What ``entente matrix`` prints for each state.
SYMBOLS = {"verified": "✔", "failed": "✘", "unknown": "?", "ignored": "-"}
LIVE = "●"
CANDIDATE = "○"

COLUMNS = (
    ("state", "State", 10),
    ("consumer", "Consumer", 24),
    ("provider", "Provider", 24),
    ("reason", "Why", 160),  # cut at the edge: the panel below says it whole
)


def cell_key(cell: MatrixCell) -> str:
    return f"{cell.consumer}@{cell.consumer_version}|{cell.provider}@{cell.provider_version}"


def state_label(state: str) -> str:
    """``✔ verified``: the symbol and the word."""
    return f"{SYMBOLS.get(state, '?')} {state}"


def consumer_label(cell: MatrixCell) -> str:
    mark = LIVE if cell.consumer_live else CANDIDATE
    return f"{mark} {cell.consumer} {cell.consumer_version}"


def provider_label(cell: MatrixCell) -> str:
    if cell.provider_version is None:
        return f"  {cell.provider} (none)"
    mark = LIVE if cell.provider_live else CANDIDATE
    return f"{mark} {cell.provider} {cell.provider_version}"


class ReadinessTable(DataTable[Text | str]):
    """Pairs keyed by `cell_key`."""

    class Chosen(Message):
        """The cursor is on another pair (or on none: ``cell`` None)."""

        def __init__(self, cell: MatrixCell | None) -> None:
            super().__init__()
            self.cell = cell

    class Opened(Message):
        """The user opened a pair (enter)."""

        def __init__(self, cell: MatrixCell) -> None:
            super().__init__()
            self.cell = cell

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._cells: list[MatrixCell] = []

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)
        self.watch(self.app, "theme", self._recolour, init=False)

    @property
    def cells(self) -> list[MatrixCell]:
        return list(self._cells)

    @property
    def current(self) -> MatrixCell | None:
        if not self._cells or not self.is_valid_row_index(self.cursor_row):
            return None
        return self._cells[self.cursor_row]

    def select(self, key: str) -> bool:
        """Put the cursor on the pair ``key``; False when it is not listed."""
        for index, cell in enumerate(self._cells):
            if cell_key(cell) == key:
                self.move_cursor(row=index, animate=False)
                return True
        return False

    def show(self, cells: Sequence[MatrixCell]) -> None:
        """Show exactly these pairs, keeping the cursor on the pair it was on if still
        listed; says which pair is under the cursor now (`Chosen`)."""
        under = self.current
        self._cells = list(cells)
        self._render_rows()
        if under is None or not self.select(cell_key(under)):
            self.move_cursor(row=0, animate=False)
        self.post_message(self.Chosen(self.current))

    def _render_rows(self) -> None:
        self.clear()
        for cell in self._cells:
            self.add_row(*self._row(cell), key=cell_key(cell))

    def _row(self, cell: MatrixCell) -> tuple[Text, str, str, str]:
        theme = self.app.current_theme
        colour = {
            "verified": theme.success,
            "failed": theme.error,
            "unknown": theme.warning,
        }.get(cell.state) or "default"
        return (
            Text(state_label(cell.state), style=f"bold {colour}"),
            consumer_label(cell),
            provider_label(cell),
            cell.reason,
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
        cell = self.current
        if cell is not None:
            self.post_message(self.Opened(cell))
