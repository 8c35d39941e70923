"""``?``: every key binding of the app and of the screen underneath, read from the bindings
themselves so that the help never drifts from what the keys do."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def _key_label(binding: Binding) -> str:
    return binding.key_display or binding.key.replace("question_mark", "?")


def bindings_table(title: str, bindings: list[Binding]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, expand=True)
    table.add_column("key", style="bold cyan", width=14)
    table.add_column("what")
    for binding in bindings:
        table.add_row(_key_label(binding), binding.description or binding.action)
    return table


def _bindings_of(owner: object) -> list[Binding]:
    found: list[Binding] = []
    for item in type(owner).__dict__.get("BINDINGS", []):
        if isinstance(item, Binding):
            found.append(item)
        elif isinstance(item, tuple):
            found.append(Binding(*item))
    return found


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", id="help.close_question_mark"),
        Binding("q", "dismiss", "Close", show=False, id="help.close_q"),
    ]

    def __init__(self, underneath: Screen[object]) -> None:
        super().__init__()
        self._underneath = underneath

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static("[b]Entente[/b]: keys (ctrl+p opens the command palette)", id="help-title")
            screen_bindings = _bindings_of(self._underneath)
            if screen_bindings:
                title = getattr(self._underneath, "TITLE", "") or "This screen"
                yield Static(bindings_table(str(title), screen_bindings))
            yield Static(bindings_table("Everywhere", _bindings_of(self.app)))
