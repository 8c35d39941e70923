"""The three fixture lists (Pending, Approved, Rejected) with their counts, the one showing
highlighted. Attributes down: `current`, `counts`. Messages up: `FixtureTabs.Chosen` when one
is clicked (the keyboard way is the screen's ``s``)."""

from __future__ import annotations

from rich.text import Text
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

#: (list name, label)
LISTS: tuple[tuple[str, str], ...] = (
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
)


def _label(label: str, count: int) -> str:
    return f" {label} ({count}) "


class FixtureTabs(Widget):
    class Chosen(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    current: reactive[str] = reactive("pending")
    counts: reactive[dict[str, int]] = reactive(dict, always_update=True)

    def render(self) -> Text:
        text = Text()
        for name, label in LISTS:
            style = "bold reverse" if name == self.current else "dim"
            text.append(_label(label, self.counts.get(name, 0)), style=style)
            text.append("  ")
        text.append("s: next list", style="dim italic")
        return text

    def on_click(self, event: Click) -> None:
        position = 0
        for name, label in LISTS:
            width = len(_label(label, self.counts.get(name, 0))) + 2
            if position <= event.x < position + width:
                self.post_message(self.Chosen(name))
                return
            position += width
