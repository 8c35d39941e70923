"""Which part of the matching interactions the table shows, in the daemon's offsets.

The daemon lists matching interactions in the order first recorded (a repeat keeps its
place), and new ones only ever join at the end, so an offset names the same interaction for
as long as the filters stay: the table shows ``[start, end)`` of ``total``. Paging asks for
the page just before ``start`` or just after ``end``; live interactions extend ``total``
and, when the table is following the newest, ``end`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PAGE = 200

Kind = Literal["newest", "oldest", "older", "newer"]


@dataclass
class Window:
    start: int = 0
    end: int = 0
    total: int = 0

    @property
    def reaches_newest(self) -> bool:
        return self.end >= self.total

    @property
    def newer(self) -> int:
        """How many matching interactions are newer than the last row shown."""
        return max(self.total - self.end, 0)

    def request(self, kind: Kind) -> tuple[int | None, int] | None:
        """(offset, limit) of the page to fetch; None when there is nothing that way.
        Offset None: the newest page."""
        if kind == "newest":
            return None, PAGE
        if kind == "oldest":
            return 0, PAGE
        if kind == "older":
            if self.start <= 0:
                return None
            offset = max(self.start - PAGE, 0)
            return offset, self.start - offset
        if self.reaches_newest:
            return None
        return self.end, PAGE

    def describe(self, shown: int) -> str:
        if not self.total:
            return "no interactions"
        where = f"{self.start + 1}–{self.end} of {self.total}" if shown else f"0 of {self.total}"
        return where
