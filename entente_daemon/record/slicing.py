"""Keeping the flusher from holding the GIL for long: work in slices, yielding in between.

A thread that wants the GIL from a busy one waits for the interpreter's switch interval
(5 ms) before the busy one is made to give it up. So a recorder's flusher converting a
thousand new requests in one go (some 45 µs each) would delay every answer of the mock's
event loop by up to 5 ms, again and again: that is what the mock's p99 latency showed.
``time.sleep(0)`` lets go of the GIL, and a waiting thread takes it at once; the flusher
does that every `SLICE_SECONDS` of work (measured: a request waiting behind a busy flusher
then gets the GIL in about 0.1 ms instead of 5).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

#: The flusher holds the GIL at most about this long at a time.
SLICE_SECONDS = 0.0005


class Slicer:
    """Lets other threads have the GIL every `SLICE_SECONDS` of work."""

    __slots__ = ("_until",)

    def __init__(self) -> None:
        self._until = time.perf_counter() + SLICE_SECONDS

    def tick(self) -> None:
        """Call between two small pieces of work: pauses once the slice is used up."""
        if time.perf_counter() >= self._until:
            self.pause()

    def pause(self) -> None:
        """Let go of the GIL now (before a piece of work that takes a slice by itself)."""
        time.sleep(0)
        self._until = time.perf_counter() + SLICE_SECONDS


def slices(items: list[T], size: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
