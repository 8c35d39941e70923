"""A modal that asks before a decision about many things at once (a whole fixture group):
it says what will happen to how many, ``enter`` confirms, ``escape`` cancels. Dismisses with
True (confirmed) or False."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "notes.tcss"
    BINDINGS = [
        Binding("enter", "confirm", "Confirm", id="confirm.yes"),
        Binding("escape", "cancel", "Cancel", id="confirm.no"),
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
            yield Static(f"enter {self._verb} · escape cancel", id="confirm-keys")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
