"""Errors a user can act on. Each says what is wrong and where; none needs a traceback."""

from __future__ import annotations

from pathlib import Path


class EntenteError(Exception):
    """Base of every error Entente reports to a person instead of a traceback."""


class ConfigError(EntenteError):
    """The project configuration is invalid: names the file and the key."""

    def __init__(
        self,
        message: str,
        *,
        file: Path | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file = file
        self.key = key
        self.line = line
        self.detail = message
        where = str(file) if file else "configuration"
        if line is not None:
            where += f":{line}"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {message}")


class StoreError(EntenteError):
    """The store cannot be opened or written (locked, unreadable, disk full)."""
