"""Modals that ask for a line of text about fixtures: the note that goes with a rejection
(`RejectNoteScreen`) and a fixture's notes (`EditNotesScreen`).

Both dismiss with the text typed (``""`` for none) on enter or the confirm button, and with
None on escape or cancel: the caller tells "cancelled" from "no text"."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class NoteScreen(ModalScreen[str | None]):
    CSS_PATH = "notes.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note.cancel")]
    CONFIRM: ClassVar[str] = "Save"
    PLACEHOLDER: ClassVar[str] = "A note"

    def __init__(self, title: str, *, value: str = "") -> None:
        super().__init__()
        self._title = title
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog"):
            yield Static(self._title, id="note-title", markup=False)
            yield Input(value=self._value, placeholder=self.PLACEHOLDER, id="note-input")
            with Horizontal(id="note-buttons"):
                yield Button(self.CONFIRM, variant="primary", id="note-confirm")
                yield Button("Cancel", id="note-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "note-confirm":
            self.dismiss(self.query_one(Input).value.strip())
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class RejectNoteScreen(NoteScreen):
    """Asks why the fixtures are rejected; the note is stored with each of them."""

    CONFIRM = "Reject"
    PLACEHOLDER = "Why? (stored with the fixture; enter to reject, escape to cancel)"

    def __init__(self, what: str, *, whole: bool = False) -> None:
        """``whole``: ``what`` is the whole title (a group's, saying what will happen)."""
        super().__init__(what if whole else f"Reject {what}")


class EditNotesScreen(NoteScreen):
    """A fixture's notes; an empty text clears them."""

    CONFIRM = "Save"
    PLACEHOLDER = "Notes (empty clears them; enter to save, escape to cancel)"

    def __init__(self, what: str, notes: str | None) -> None:
        super().__init__(f"Notes of {what}", value=notes or "")
