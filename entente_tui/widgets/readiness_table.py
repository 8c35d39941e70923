"""An environment's readiness matrix as a table: a row per (consumer version, provider
version) pair, live consumer versions first (as the daemon orders them), each with its state
as a symbol and a word (readable without colour, as ``entente matrix`` prints them), which
versions run there (● live, ○ candidate) and why. Give it cells (`show`); it reports the
pair under the cursor (`Chosen`) and the one the user opens (`Opened`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.message import Message

from entente_daemon.client.deploy_wire import MatrixCell

from .keyed_table import KeyedTable

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


class ReadinessTable(KeyedTable[MatrixCell]):
    """Pairs keyed by `cell_key`."""

    COLUMNS = COLUMNS

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

    def key_of(self, item: MatrixCell) -> str:
        return cell_key(item)

    def chosen(self, item: MatrixCell | None) -> Message:
        return self.Chosen(item)

    def opened(self, item: MatrixCell) -> Message:
        return self.Opened(item)

    @property
    def cells(self) -> list[MatrixCell]:
        return self.items

    def show(self, cells: Sequence[MatrixCell]) -> None:
        """Show exactly these pairs, keeping the cursor on the pair it was on if still
        listed; says which pair is under the cursor now (`Chosen`)."""
        if not self.replace_items(cells):
            self.move_cursor(row=0, animate=False)
        self.post_message(self.Chosen(self.current))

    def cells_of(self, item: MatrixCell) -> tuple[Text, str, str, str]:
        theme = self.app.current_theme
        colour = {
            "verified": theme.success,
            "failed": theme.error,
            "unknown": theme.warning,
        }.get(item.state) or "default"
        return (
            Text(state_label(item.state), style=f"bold {colour}"),
            consumer_label(item),
            provider_label(item),
            item.reason,
        )
