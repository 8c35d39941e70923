"""Which fixture decision wins when both sides decided: the later one.

A decision is a status (approved or rejected), who made it and when. The broker keeps the
winner; a daemon that pulls a decision applies it only when it is later than the one it has
(a tie keeps what is there: applying it again would change nothing anyone can see). Both
sides show who decided (`Decision.by`), whoever won.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Decision:
    status: str  # "approved" | "rejected"
    by: str | None
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "by": self.by, "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision | None:
        try:
            at = datetime.fromisoformat(str(data["at"]))
            return cls(str(data["status"]), data.get("by"), _aware(at))
        except (KeyError, ValueError, TypeError):
            return None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def later(local: Decision | None, remote: Decision) -> bool:
    """Whether ``remote`` replaces ``local``: there is none here, or it was made later."""
    return local is None or _aware(remote.at) > _aware(local.at)
