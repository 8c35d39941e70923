"""A modal that asks before interactions are deleted: yes (``y``, enter on the button) or
no (``n``, escape). Dismisses with True only for yes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmDeleteScreen(ModalScreen[bool]):
    CSS_PATH = "notes.tcss"  # the dialog's look: the note modals'
    DEFAULT_CSS = "ConfirmDeleteScreen { align: center middle; }"
    BINDINGS = [
        Binding("escape,n", "answer(False)", "Cancel", id="confirm_delete.cancel"),
        Binding("y", "answer(True)", "Delete", id="confirm_delete.yes"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog"):
            yield Static(self._question, id="note-title", markup=False)
            yield Static("y deletes, n or escape keeps them", markup=False)
            with Horizontal(id="note-buttons"):
                yield Button("Delete", variant="error", id="confirm-yes")
                yield Button("Cancel", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
