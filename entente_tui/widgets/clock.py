"""How every screen shows a moment: local time, absolute (deterministic for the same data
and zone, unlike "5s ago", so that snapshots hold)."""

from __future__ import annotations

from datetime import datetime


def clock(moment: datetime | None) -> str:
    """HH:MM:SS in local time; "" for no moment."""
    return "" if moment is None else moment.astimezone().strftime("%H:%M:%S")


def stamp(moment: datetime | None) -> str:
    """Date and time in local time, for detail views; "" for no moment."""
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")
