"""What a daemon-hosted mock needs from the daemon: a sink into the daemon's recorder, and
the approved fixtures of its provider, cached.

A hosted mock serves from its own thread (see `entente_daemon.daemon.services.mocks`), and its
recorder's flusher runs in yet another; the store has one writer, the daemon's recorder,
which lives on the daemon's event loop. `RecorderSink` hands each batch over to that loop
and waits for it to be stored, so a failure (the daemon stopping) raises in the flusher,
which keeps the batch and retries, as for any sink.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from entente_daemon.daemon.services.bus import EventBus, Signal
from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.fixtures.versions import applies_to
from entente_daemon.model import EventKind, Fixture, FixtureStatus, Interaction
from entente_daemon.record.sinks import Sink, Unrecordable
from entente_daemon.store import Store

log = logging.getLogger("entente.daemon.mocks")

WRITE_TIMEOUT = 30.0
FIXTURE_EVENTS = frozenset(
    {EventKind.FIXTURE_CREATED, EventKind.FIXTURE_APPROVED, EventKind.FIXTURE_REJECTED}
)


class RecorderSink(Sink):
    """Writes batches through the daemon's recorder (so they are stored, de-duplicated, and
    announced as ``interaction.recorded``). Called from a recorder's flusher thread."""

    def __init__(
        self, recorder: StoreWriter, loop: asyncio.AbstractEventLoop, *, describe_as: str
    ) -> None:
        self._recorder = recorder
        self._loop = loop
        self._description = describe_as

    def write(self, interactions: Sequence[Interaction]) -> None:
        future = asyncio.run_coroutine_threadsafe(
            self._recorder.record_interactions(list(interactions)), self._loop
        )
        recorded, _ = future.result(WRITE_TIMEOUT)
        refused = {
            interaction.content_hash: where.error
            for interaction, where in zip(interactions, recorded, strict=True)
            if where.error
        }
        if refused:  # the others are stored; these never will be
            raise Unrecordable(refused)

    def describe(self) -> str:
        return self._description


class FixtureCache:
    """The approved fixtures of each provider, read from the store once and again whenever a
    fixture event names that provider. `supply(provider, version)` is the callable a
    `MockEngine` calls on every request: it returns the same tuple until a refresh, so the
    engine indexes it once."""

    name = "fixture cache"

    def __init__(self, recorder: StoreWriter, bus: EventBus) -> None:
        self._recorder = recorder
        self._bus = bus
        self._providers: dict[str, _Approved] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Nothing yet: the cache follows the bus from the first `load` on, so that a daemon
        hosting no mock has no subscriber of its own (``status`` counts subscribers)."""

    def _follow_events(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._follow(), name="fixture-cache")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def load(self, provider: str) -> None:
        """Read ``provider``'s approved fixtures now (before its first mock serves)."""
        self._follow_events()

        def job(store: Store) -> list[Fixture]:
            return store.fixtures.list(provider=provider, status=FixtureStatus.APPROVED)

        try:
            fixtures = await self._recorder.read(job)
        except Exception as exc:  # keep serving what was known; say why
            log.error("could not read the fixtures of %s: %s", provider, exc)
            return
        # Replaced whole: a mock thread reading the old one meanwhile gets a consistent view.
        self._providers[provider] = _Approved(tuple(fixtures))

    def supply(self, provider: str, version: str) -> tuple[Fixture, ...]:
        """Safe from any thread."""
        approved = self._providers.get(provider)
        return () if approved is None else approved.for_version(version)

    async def _follow(self) -> None:
        while True:
            subscription = self._bus.subscribe()
            try:
                # Anything approved between the first read and the subscription: read again.
                for known in list(self._providers):
                    await self.load(known)
                while True:
                    item = await subscription.get()
                    if item is Signal.CLOSED:
                        return
                    if isinstance(item, Signal):
                        break  # fell behind: resubscribe and read everything again
                    if item.kind in FIXTURE_EVENTS:
                        provider = item.payload.get("provider")
                        if isinstance(provider, str) and provider in self._providers:
                            await self.load(provider)
            finally:
                self._bus.unsubscribe(subscription)


class _Approved:
    """One provider's approved fixtures, and those that apply to each version asked."""

    __slots__ = ("fixtures", "_by_version")

    def __init__(self, fixtures: tuple[Fixture, ...]) -> None:
        self.fixtures = fixtures
        self._by_version: dict[str, tuple[Fixture, ...]] = {}

    def for_version(self, version: str) -> tuple[Fixture, ...]:
        found = self._by_version.get(version)
        if found is None:
            found = tuple(f for f in self.fixtures if applies_to(f, version))
            self._by_version[version] = found
        return found
