"""What the spec loader reports: `SpecError` (the spec cannot be used) and `SpecWarning`
(something is wrong but Entente can still serve the spec). Both name the file, line, column
and the JSON pointer of the offending place, so that a person can go straight to it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from entente_daemon.errors import EntenteError
from entente_daemon.openapi.pointer import dotted


def display_path(file: Path | str | None) -> str:
    """The file as a person wants to read it: relative to the working directory when it is
    inside it, otherwise as it is."""
    if file is None:
        return "<spec>"
    path = Path(file)
    if not path.is_absolute():
        return str(path)
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def kind_of(value: object) -> str:
    """How a message names what was found instead: "a list", "the text 'yes'"..."""
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) < 40 else "a text"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    return f"a {type(value).__name__}"


def format_location(
    file: Path | str | None, line: int | None, column: int | None, pointer: str | None
) -> str:
    """``openapi.yaml:12:5: paths./castles.get.responses`` (parts that are unknown left out)."""
    where = display_path(file)
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    if pointer:
        where += f": {dotted(pointer)}"
    return where


class SpecError(EntenteError):
    """The spec cannot be loaded. ``str()`` is ``file:line:column: pointer: message``.

    ``line`` and ``column`` are 1-based; ``pointer`` is a JSON pointer into ``file`` (not into
    the bundled document), shown dotted (``paths./castles.get``) in the message.
    """

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        pointer: str | None = None,
    ) -> None:
        self.file = Path(file) if file is not None else None
        self.line = line
        self.column = column
        self.pointer = pointer
        self.message = message
        super().__init__(f"{format_location(file, line, column, pointer)}: {message}")


@dataclass(frozen=True, slots=True)
class SpecWarning:
    """A problem that does not stop the spec being served (e.g. a validator complaint).

    ``source`` says who noticed: ``"validator"`` (openapi-spec-validator), ``"yaml"``,
    ``"regex"``, ``"index"`` or ``"loader"``.
    """

    message: str
    file: Path | None = None
    line: int | None = None
    column: int | None = None
    pointer: str | None = None
    source: str = "loader"

    def __str__(self) -> str:
        return f"{format_location(self.file, self.line, self.column, self.pointer)}: {self.message}"
