"""A click group whose commands are imported when they run, not when ``entente`` starts.

Each command pulls in its own part of Entente (the spec loader, the store, the daemon's
client, the mock servers). Importing all of them for every command cost about a third of a
second of CPU per ``entente`` call, which CI scripts and the test suite make hundreds of
times. Help and completion still list every command: ``list_commands`` needs only the names,
and the summaries load the modules when help is shown.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """``commands_by_name`` maps a command's name to ``"module:attribute"``."""

    def __init__(self, *args: object, lazy_commands: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lazy = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in self._lazy:
            return command
        module_name, _, attribute = self._lazy[cmd_name].partition(":")
        loaded = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(loaded, click.Command):
            raise TypeError(f"{self._lazy[cmd_name]} is not a click command")
        self.add_command(loaded, cmd_name)
        return loaded
