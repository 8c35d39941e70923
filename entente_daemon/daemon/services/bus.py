"""The event bus: recent events in memory, and a bounded queue per subscriber.

The recorder numbers and stores each event, then calls `EventBus.dispatch` on the event
loop, in sequence order. Dispatch never waits: a subscriber whose queue is full is marked
as having overflowed, its queue is dropped, and its reader learns it fell behind (it then
resumes from its last event id, out of the store). So a slow client never slows the daemon.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from entente_daemon.daemon.services.kinds import ALERT_KINDS
from entente_daemon.model import Event, EventKind

log = logging.getLogger("entente.daemon.bus")

ReadSince = Callable[[int, int], Awaitable[list[Event]]]
Emit = Callable[[EventKind, dict[str, Any]], Awaitable[Event]]


class Signal(Enum):
    """What a subscription yields besides events."""

    TIMEOUT = "timeout"  # nothing within the wait: time for a heartbeat
    OVERFLOW = "overflow"  # the subscriber fell behind; its buffered events were dropped
    CLOSED = "closed"  # the bus is stopping


class Subscription:
    """One subscriber's bounded queue; read it with `get`."""

    def __init__(self, capacity: int) -> None:
        self._capacity = max(capacity, 1)
        self._items: deque[Event] = deque()
        self._wake = asyncio.Event()
        self.overflowed = False
        self.closed = False
        self.dropped = 0

    def offer(self, events: list[Event]) -> None:
        if self.closed or self.overflowed:
            self.dropped += len(events)
            return
        # A reader that has read everything takes a whole batch, however big: it has not
        # fallen behind. One with unread events overflows past the capacity.
        if self._items and len(self._items) + len(events) > self._capacity:
            self.overflowed = True
            self.dropped += len(self._items) + len(events)
            self._items.clear()
        else:
            self._items.extend(events)
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def get(self, wait: float | None = None) -> Event | Signal:
        """The next event; or a `Signal` (TIMEOUT after ``wait`` seconds without one)."""
        while not self._items:
            if self.overflowed:
                return Signal.OVERFLOW
            if self.closed:
                return Signal.CLOSED
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except TimeoutError:
                return Signal.TIMEOUT
        return self._items.popleft()


class EventBus:
    name = "event bus"

    def __init__(self, *, queue_size: int = 1000, recent: int = 1000) -> None:
        self._queue_size = queue_size
        self._recent: deque[Event] = deque(maxlen=max(recent, 1))
        self._alerts: deque[Event] = deque(maxlen=100)
        self._subscribers: set[Subscription] = set()
        self._internal: set[Subscription] = set()
        self._last_seq = 0
        self._closing = False
        self._read_since: ReadSince | None = None
        self._emit: Emit | None = None

    def bind(self, *, read_since: ReadSince, emit: Emit, last_seq: int) -> None:
        """Connect the bus to the store's events (through the recorder)."""
        self._read_since = read_since
        self._emit = emit
        self._last_seq = last_seq

    async def start(self) -> None:
        if self._read_since is None or self._emit is None:
            raise RuntimeError("the event bus is not bound to a recorder")
        self._closing = False

    async def stop(self) -> None:
        self.end_streams()
        self._subscribers.clear()

    def end_streams(self) -> None:
        """Tell every subscriber that the bus is closing; refuse new ones."""
        self._closing = True
        for subscription in list(self._subscribers):
            subscription.close()

    # -- publishing -------------------------------------------------------------------------

    async def publish(self, kind: EventKind, payload: dict[str, Any]) -> Event:
        """Store and fan out an event; it comes back with its sequence number."""
        if self._emit is None:
            raise RuntimeError("the event bus is not bound to a recorder")
        return await self._emit(kind, payload)

    def dispatch(self, events: list[Event]) -> None:
        """Called by the recorder, on the loop, with newly stored events in order."""
        for event in events:
            self._recent.append(event)
            if event.kind in ALERT_KINDS:
                self._alerts.append(event)
        self._last_seq = max(self._last_seq, events[-1].seq)
        for subscription in list(self._subscribers):
            subscription.offer(events)

    # -- subscribing and reading --------------------------------------------------------------

    def subscribe(self, *, internal: bool = False) -> Subscription:
        """A new subscription; ``internal``: a service of the daemon's own, not counted
        among the clients following the stream (`subscriber_count`)."""
        subscription = Subscription(self._queue_size)
        if self._closing:
            subscription.close()
        else:
            self._subscribers.add(subscription)
            if internal:
                self._internal.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)
        self._internal.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        """How many clients follow the stream (the daemon's own services not counted)."""
        return len(self._subscribers - self._internal)

    @property
    def last_seq(self) -> int:
        """The last sequence number dispatched."""
        return self._last_seq

    @property
    def alerts(self) -> list[Event]:
        return list(self._alerts)

    async def since(self, seq: int, limit: int) -> list[Event]:
        """Up to ``limit`` events after ``seq``, oldest first: from memory when the recent
        ones reach back far enough, else from the store."""
        recent = self._recent
        if recent and recent[0].seq <= seq + 1:
            return [event for event in recent if event.seq > seq][:limit]
        if self._read_since is None:
            return []
        return await self._read_since(seq, limit)
