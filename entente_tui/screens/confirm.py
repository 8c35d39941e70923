"""A modal that asks before a decision about many things at once (a whole fixture group, every
exploratory interaction): it says what will happen to how many; ``enter`` or ``y`` confirms,
``escape`` or ``n`` cancels. Dismisses with True (confirmed) or False."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "notes.tcss"
    BINDINGS = [
        Binding("enter,y", "confirm", "Confirm", id="confirm.yes"),
        Binding("escape,n", "cancel", "Cancel", id="confirm.no"),
    ]

    def __init__(self, title: str, consequence: str, *, verb: str = "confirm") -> None:
        super().__init__()
        self._title = title
        self._consequence = consequence
        self._verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog"):
            yield Static(self._title, id="note-title", markup=False)
            yield Static(self._consequence, id="confirm-consequence", markup=False)
            yield Static(f"enter or y {self._verb} · escape or n cancel", id="confirm-keys")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
