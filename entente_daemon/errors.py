"""Errors a user can act on. Each says what is wrong and where; none needs a traceback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class EntenteError(Exception):
    """Base of every error Entente reports to a person instead of a traceback."""


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong in a configuration file: what, at which key, on which line."""

    message: str
    key: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.key}: {self.message}" if self.key else f"{where}{self.message}"


class ConfigError(EntenteError):
    """The project configuration is invalid: names the file, the key and its line.

    ``problems``: everything wrong in the file (at least one); ``key``, ``line`` and
    ``detail`` are the first's (``detail``: every problem's text when there are several).
    """

    def __init__(
        self,
        message: str,
        *,
        file: Path | None = None,
        key: str | None = None,
        line: int | None = None,
        problems: Sequence[ConfigProblem] = (),
    ) -> None:
        self.problems = tuple(problems) or (ConfigProblem(message, key, line),)
        first = self.problems[0]
        self.file = file
        self.key = first.key
        self.line = first.line
        file_name = str(file) if file else "configuration"
        if len(self.problems) == 1:
            self.detail = first.message
            where = file_name
            if first.line is not None:
                where += f":{first.line}"
            if first.key:
                where += f": {first.key}"
            super().__init__(f"{where}: {first.message}")
            return
        self.detail = f"{len(self.problems)} problems: " + "; ".join(map(str, self.problems))
        listed = "".join(f"\n  {problem}" for problem in self.problems)
        super().__init__(f"{file_name}: {len(self.problems)} problems:{listed}")

    @classmethod
    def of(cls, file: Path, problems: Sequence[ConfigProblem]) -> ConfigError:
        """The error for these problems (at least one) in ``file``."""
        return cls(problems[0].message, file=file, problems=problems)


class StoreError(EntenteError):
    """The store cannot be opened or written (locked, unreadable, disk full)."""
