"""Key bindings, the one list of what the user can do: a class's ``BINDINGS`` give the footer,
the help screen, the keymap (every binding has an ``id``, so users can remap its key through
Textual's keymap) and the command palette (the bindings that carry a palette ``title``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial

from textual.actions import parse
from textual.binding import Binding, BindingType
from textual.dom import DOMNode


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


def commands_of(node: DOMNode) -> Iterator[tuple[str, str, Callable[[], Awaitable[bool]]]]:
    """(title, help, run) of each palette command of ``node``'s bindings (its class's and
    inherited ones) that it allows now (`check_action`); ``run`` performs the binding's
    action on ``node``."""
    bindings = [b for cls in reversed(type(node).__mro__) for b in cls.__dict__.get("BINDINGS", [])]
    for command in palette_of(bindings):
        _, name, parameters = parse(command.action)
        if node.check_action(name, parameters):
            yield command.title, command.help, partial(node.app.run_action, command.action, node)
