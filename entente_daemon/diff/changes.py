"""What a spec diff reports: one `Change` per rule that fired, at a `Location`.

This is the contract between the diff engine (`diff/rules*.py`), consumer impact, the CLI,
the daemon's live alerts and the TUI. Rule ids are stable: tools and people key on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    """How bad a change is for a client that follows the old spec."""

    BREAKING = "breaking"  # a client that worked may now fail
    WARNING = "warning"  # may break some clients (e.g. an enum grown on a response)
    INFO = "info"  # compatible, worth knowing

    @property
    def rank(self) -> int:
        return {"breaking": 2, "warning": 1, "info": 0}[self.value]


class Side(StrEnum):
    """Which half of an exchange the change concerns."""

    REQUEST = "request"
    RESPONSE = "response"
    SPEC = "spec"  # the whole API (servers, security at the top level)


@dataclass(frozen=True)
class Location:
    """Where a change is.

    ``path`` is the path template (``/castles/{id}``), ``method`` lower case, ``status``
    the response status key (``"200"``, ``"4XX"``, ``"default"``); ``parameter`` is
    ``"query:limit"`` style (location, colon, name); ``pointer`` is a JSON pointer *into the
    body* (``/region``, ``/items/*/name``: ``*`` for array items), empty for the body as a
    whole; ``spec_pointer`` is the JSON pointer into the new spec's bundled document (the
    old one's when the place is gone); ``file``/``line`` the source place of that pointer.
    """

    path: str | None = None
    method: str | None = None
    status: str | None = None
    media_type: str | None = None
    parameter: str | None = None
    pointer: str = ""
    spec_pointer: str = ""
    file: str | None = None
    line: int | None = None

    def operation_label(self) -> str:
        if self.path is None:
            return ""
        return f"{(self.method or '').upper()} {self.path}".strip()


@dataclass(frozen=True)
class Change:
    """One rule that fired."""

    rule: str  # stable id from the catalogue, e.g. "response-property-removed"
    level: Level
    side: Side
    location: Location
    message: str  # one line: what changed, where
    old: Any = None  # the old value at that place, when there is a small one
    new: Any = None


@dataclass(frozen=True)
class DiffReport:
    """All changes between two specs, in a stable order (path, method, side, rule)."""

    changes: tuple[Change, ...] = field(default_factory=tuple)

    def at_least(self, level: Level) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.level.rank >= level.rank)

    @property
    def breaking(self) -> tuple[Change, ...]:
        return self.at_least(Level.BREAKING)
