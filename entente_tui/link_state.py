"""The state of the TUI's link to the daemon, as a value: the app holds it, the header
renders it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LinkState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"  # the event stream is open
    FELL_BEHIND = "fell behind"  # the daemon dropped the stream for reading slowly; resuming
    RECONNECTING = "reconnecting"  # the daemon went away; retrying with backoff
    UNAVAILABLE = "unavailable"  # no daemon could be reached or started
    WRONG_VERSION = "other version"  # the daemon runs another version than this TUI
    STREAM_ERROR = "stream error"  # the event stream failed; retrying with backoff


#: States after which the stream's coming back is news (the screens reload).
LOST = frozenset({LinkState.RECONNECTING, LinkState.WRONG_VERSION, LinkState.STREAM_ERROR})


@dataclass(frozen=True)
class LinkStatus:
    state: LinkState = LinkState.CONNECTING
    detail: str | None = None  # why, when the link is down
    retry_in: float | None = None  # seconds until the next attempt

    @property
    def live(self) -> bool:
        return self.state is LinkState.LIVE

    def describe(self) -> str:
        """The header's words for it, e.g. ``reconnecting in 0.4s``."""
        if not self.retry_in:
            return str(self.state)
        if self.state is LinkState.RECONNECTING:
            return f"reconnecting in {self.retry_in:.1f}s"
        return f"{self.state}, retrying in {self.retry_in:.1f}s"
