"""Key bindings, the one list of what the user can do: a class's ``BINDINGS`` give the footer,
the help screen, the keymap (every binding has an ``id``, so users can remap its key through
Textual's keymap) and the command palette (the bindings that carry a palette ``title``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class PaletteBinding(Binding):
    """A key binding that is also a command of the palette: ``title`` there, with ``help``
    under it (the footer shows the shorter ``description``)."""

    title: str = ""
    help: str = ""


@dataclass(frozen=True)
class PaletteCommand:
    """A command of the palette, read from a `PaletteBinding`."""

    title: str
    help: str
    action: str  # the binding's action, e.g. "approve" or "show('alerts')"


def palette_of(bindings: Iterable[BindingType]) -> tuple[PaletteCommand, ...]:
    """The palette commands among ``bindings``, in their order."""
    return tuple(
        PaletteCommand(binding.title, binding.help, binding.action)
        for binding in bindings
        if isinstance(binding, PaletteBinding) and binding.title
    )
