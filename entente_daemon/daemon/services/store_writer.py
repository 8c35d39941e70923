"""The recorder: the daemon's one writer of the store.

TinyDB is not safe across threads, and a store write may block on an fsync; so every write
runs, in order, on one worker thread, and the event loop only awaits it. Events are
numbered on that same thread, and handed to the bus (``dispatch``) from it in sequence
order, so subscribers never see them out of order. Reads run on other threads (the store
serialises table access with its own lock).

A failing disk does not stop the daemon: the store keeps the changes in memory and retries;
the recorder notices (``store.last_error``), logs it and emits one ``store.error`` event per
failure episode, and a ``store.recovered`` one when it ends.

Recorded interactions are acknowledged only once durable (issue 13): `record_interactions`
refuses (``StoreError``, which the API answers 503) while the store cannot write or holds
more than ``max_pending_bytes`` not yet durable, and returns only after a flush. The
clients keep or spool what was refused, as when the daemon is down. Each interaction is
stored on its own: one that cannot be is named in a ``record.error`` alert, and the others
are stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from entente_daemon.client import events as payloads
from entente_daemon.daemon.services.index import InteractionIndex
from entente_daemon.daemon.services.kinds import STORE_ERROR_NAME
from entente_daemon.daemon.services.store_bounds import StoreBounds
from entente_daemon.errors import StoreError
from entente_daemon.fixtures.drafts import draft_key
from entente_daemon.model import (
    Event,
    EventKind,
    Fixture,
    FixtureStatus,
    Interaction,
    Verification,
    new_id,
)
from entente_daemon.record.redact import Redaction, redact_interaction
from entente_daemon.record.sinks import describe
from entente_daemon.store import Store

log = logging.getLogger("entente.daemon.store_writer")
STORE_RECOVERED_NAME = "store.recovered"  # finer names of a ``store.error`` event
RECORD_ERROR_NAME = "record.error"
LOG_REDACTION = Redaction()  # error messages may quote what was sent: no credential in them
T = TypeVar("T")
Emit = Callable[[Sequence[Event]], list[Event]]

Dispatch = Callable[[list[Event]], None]
HEALTH_INTERVAL = 1.0
#: Changes not yet durable beyond which recordings are refused (503) rather than held.
MAX_PENDING_BYTES = 64 * 1024 * 1024
_TRIM_EVERY = 1000  # appends between checks of the events table's size


@dataclass(frozen=True)
class Recorded:
    """Where an interaction went: its stored id, and whether it was new (else it was merged
    into an equal one, whose ``count`` grew)."""

    id: str
    new: bool
    count: int = 1  # the stored count after this one (a repeat's total)
    error: str | None = None  # why it could not be stored (then ``id`` is "")
    sampled: bool = False  # past its bucket's bound: counted, not stored (``id`` is "")


class StoreWriter:
    name = "recorder"

    def __init__(
        self,
        store_path: Path,
        *,
        dispatch: Dispatch,
        lock_timeout: float = 10.0,
        events_kept: int = 50_000,
        health_interval: float = HEALTH_INTERVAL,
        store_factory: Callable[[], Store] | None = None,
        max_pending_bytes: int = MAX_PENDING_BYTES,
    ) -> None:
        self._path = store_path
        self._dispatch = dispatch
        self._lock_timeout = lock_timeout
        self._events_kept = events_kept
        self._health_interval = health_interval
        self._factory = store_factory
        self._max_pending_bytes = max_pending_bytes
        self._store: Store | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._health: asyncio.Task[None] | None = None
        self._appends = 0
        self._failing = False
        self.index = InteractionIndex()
        self.bounds = StoreBounds()  # the store's bound per bucket (h13-store)

    @property
    def store(self) -> Store:
        if self._store is None:
            raise StoreError("the daemon's store is not open")
        return self._store

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._factory is not None:
            self._store = await asyncio.to_thread(self._factory)
        else:
            self._store = await asyncio.to_thread(
                Store.open, self._path, lock_timeout=self._lock_timeout
            )
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="entente-recorder")
        self._health = asyncio.create_task(self._watch_health(), name="recorder-health")
        log.info("store open for writing: %s", self.store.path)

    async def stop(self) -> None:
        if self._health is not None:
            self._health.cancel()
            await asyncio.gather(self._health, return_exceptions=True)
        if self._executor is not None:
            await asyncio.to_thread(self._executor.shutdown, True)
            self._executor = None
        store, self._store = self._store, None
        if store is None:
            return
        for attempt in (1, 2, 3):
            try:
                await asyncio.to_thread(store.close)
                log.info("store flushed and closed")
                return
            except StoreError as exc:
                log.error("closing the store failed (attempt %d of 3): %s", attempt, exc)
        log.error("the store could not be closed; %d change(s) are lost", store.pending)

    # -- running work ---------------------------------------------------------------------

    async def _write(self, job: Callable[[Store], T]) -> T:
        if self._executor is None or self._loop is None:
            raise StoreError("the daemon's store is not open")
        store = self.store
        result = await self._loop.run_in_executor(self._executor, job, store)
        self._check_health()
        return result

    async def ensure_index(self) -> InteractionIndex:
        """The interaction index, built first if need be (on a worker thread, never the
        writer's: see `index.InteractionIndex.build`)."""
        if not self.index.ready:
            await self.read(self.index.build)
        return self.index

    async def read(self, job: Callable[[Store], T]) -> T:
        """Run a read-only ``job(store)`` on a worker thread."""
        store = self.store
        return await asyncio.to_thread(job, store)

    async def write(self, job: Callable[[Store, Emit], T]) -> T:
        """Run ``job(store, emit)`` on the writer thread; ``emit(events)`` numbers, stores and
        publishes events in order and returns them with their sequence numbers."""
        return await self._write(lambda store: job(store, lambda events: self._emit(store, events)))

    def _emit(self, store: Store, events: Sequence[Event]) -> list[Event]:
        """Number and store events, then hand them to the bus; on the writer thread."""
        stored: list[Event] = []
        for event in events:
            seq = store.events.append(event)
            stored.append(event.model_copy(update={"seq": seq}))
        self._appends += len(stored)
        if self._appends >= _TRIM_EVERY:
            self._appends = 0
            if store.events.count() > self._events_kept:
                store.events.trim(self._events_kept)
        if stored and self._loop is not None:
            # RuntimeError: the loop is closing, and nobody listens any more.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._dispatch, stored)
        return stored

    # -- writes -----------------------------------------------------------------------------

    async def emit(self, kind: EventKind, payload: dict[str, Any]) -> Event:
        """Store an event and publish it; the event with its sequence number."""
        event = Event(kind=kind, payload=payload)
        stored = await self._write(lambda store: self._emit(store, [event]))
        return stored[0]

    async def record_interactions(
        self, interactions: Sequence[Interaction], fixtures: Sequence[Fixture] = ()
    ) -> tuple[list[Recorded], list[Fixture]]:
        """Store interactions (de-duplicated) and new fixtures, emitting one
        ``interaction.recorded`` per interaction and one ``fixture.created`` per new fixture;
        returns once they are durable. ``StoreError`` (nothing stored) while the store cannot
        write or holds too much not yet durable. An interaction that cannot be stored comes
        back with its ``error`` (and is named in a ``record.error`` alert)."""
        self._check_accepting()

        def job(store: Store) -> tuple[list[Recorded], list[Fixture]]:
            recorded: list[Recorded | None] = [None] * len(interactions)
            events: list[Event] = []
            failed: list[str] = []

            def fail(n: int, interaction: Interaction, exc: BaseException) -> None:
                why = LOG_REDACTION.text(f"{type(exc).__name__}: {exc}")
                recorded[n] = Recorded("", new=False, count=0, error=why)
                failed.append(f"{describe(interaction)}: {why}")
                log.error("cannot record %s", failed[-1])

            safe: dict[int, Interaction] = {}
            for n, interaction in enumerate(interactions):
                try:
                    safe[n] = redact_interaction(interaction)
                except (ValueError, TypeError, RecursionError) as exc:
                    fail(n, interaction, exc)
            # The store's bound per bucket: those past it are counted, not stored.
            kept, sampled = self.bounds.admit(store, list(safe.values()))
            by_id = {i.id: i for i in kept}
            for n, interaction in safe.items():
                hashed = by_id.get(interaction.id)
                if hashed is None:  # sampled out: counted, not stored
                    recorded[n] = Recorded("", new=False, count=0, sampled=True)
                    continue
                try:
                    where = _add_interaction(store, hashed)
                    self.index.add(hashed, where.id)
                    events.append(
                        payloads.event_of(
                            payloads.InteractionRecorded.of(
                                hashed, id=where.id, new=where.new, total=where.count
                            )
                        )
                    )
                    recorded[n] = where
                except (StoreError, ValueError, TypeError, RecursionError) as exc:
                    fail(n, interaction, exc)
            created = _add_new_fixtures(store, fixtures)
            events += [payloads.event_of(_fixture_payload(f)) for f in created]
            events += sampled
            if failed:
                events.append(payloads.event_of(_unrecorded_payload(failed, store)))
            done = [r for r in recorded if r is not None]
            assert len(done) == len(interactions), "every interaction has its outcome"
            self._emit(store, events)
            return done, created

        result = await self._write(job)
        await self._durable()
        return result

    def _check_accepting(self) -> None:
        """Refuse what could not be made durable now (the caller keeps it and retries)."""
        store = self.store
        why: str | None = None
        if not store.writable:
            error = store.last_error
            why = f"the store cannot write to disk ({error})" if error else "the store is failing"
        elif store.pending_bytes > self._max_pending_bytes:
            why = (
                f"the store holds {store.pending_bytes} bytes not yet on disk "
                f"(more than {self._max_pending_bytes})"
            )
        if why is not None:
            if self._loop is not None:
                self._check_health()
            raise StoreError(f"{why}; nothing was recorded, send it again later")

    async def _durable(self) -> None:
        """Wait until every change so far is on disk (a flush; concurrent callers share
        one). ``StoreError`` when the disk refuses it."""
        try:
            await asyncio.to_thread(self.store.flush)
        finally:
            self._check_health()

    async def delete_interactions(self, ids: Sequence[str]) -> list[str]:
        """Delete interactions and emit ``interactions.deleted`` (when any was there); the
        ids of those deleted."""

        def job(store: Store) -> list[str]:
            deleted = store.interactions.delete_many(dict.fromkeys(ids))
            self.index.remove(deleted)
            if deleted:
                self._emit(store, [payloads.event_of(payloads.InteractionsDeleted(ids=deleted))])
            return deleted

        return await self._write(job)

    async def promote_interactions(self, ids: Sequence[str]) -> list[Interaction]:
        """Make interactions part of their consumer's contract and emit
        ``interactions.promoted``; those found."""

        def job(store: Store) -> list[Interaction]:
            promoted = store.interactions.promote(dict.fromkeys(ids))
            found = [i.id for i in promoted]
            self.index.promote(found)
            if found:
                self._emit(store, [payloads.event_of(payloads.InteractionsPromoted(ids=found))])
            return promoted

        return await self._write(job)

    async def set_fixture_status(
        self, fixture_id: str, status: FixtureStatus, *, by: str | None, note: str | None
    ) -> Fixture | None:
        """Approve or reject a fixture (None when there is no such fixture) and emit
        ``fixture.approved`` or ``fixture.rejected``."""

        def job(store: Store) -> Fixture | None:
            current = store.fixtures.get(fixture_id)
            if current is None:
                return None
            if status is FixtureStatus.APPROVED:
                updated = store.fixtures.set_status(fixture_id, status, by=by)
                decided: type[payloads.FixtureDecided] = payloads.FixtureApproved
            else:
                updated = current.model_copy(
                    update={
                        "status": status,
                        "notes": note if note is not None else current.notes,
                        "approved_by": None,
                        "approved_at": None,
                    }
                )
                store.fixtures.update(updated)
                decided = payloads.FixtureRejected
            payload = decided.model_validate(
                {**_fixture_payload(updated).to_payload(), "by": by, "note": note}
            )
            self._emit(store, [payloads.event_of(payload)])
            return updated

        return await self._write(job)

    async def set_fixture_notes(self, fixture_id: str, notes: str | None) -> Fixture | None:
        """Replace a fixture's notes (None when there is no such fixture)."""

        def job(store: Store) -> Fixture | None:
            current = store.fixtures.get(fixture_id)
            if current is None:
                return None
            updated = current.model_copy(update={"notes": notes})
            store.fixtures.update(updated)
            return updated

        return await self._write(job)

    async def record_verification(
        self,
        verifications: Sequence[Verification],
        fixtures: Sequence[Fixture],
        finished: Callable[[list[Fixture]], payloads.VerificationFinished],
    ) -> list[Fixture]:
        """Store a verification run's results: its verifications (saved by id, so a retried
        finish does not duplicate them) and those draft fixtures whose content is not stored
        yet for their provider. Emits one ``fixture.created`` per new fixture, then
        ``verification.finished`` with the payload ``finished(created)`` gives."""

        def job(store: Store) -> list[Fixture]:
            for verification in verifications:
                store.verifications.save(verification)
            created = _add_new_fixtures(store, fixtures)
            events = [payloads.event_of(_fixture_payload(f)) for f in created]
            events.append(payloads.event_of(finished(created)))
            self._emit(store, events)
            return created

        return await self._write(job)

    # -- health -----------------------------------------------------------------------------

    async def _watch_health(self) -> None:
        """The store fails in its flusher thread too: look at it now and then."""
        while True:
            await asyncio.sleep(self._health_interval)
            self._check_health()

    def _check_health(self) -> None:
        store = self._store
        if store is None or store.closed:
            return
        error = store.last_error
        if error is not None and not self._failing:
            self._failing = True
            log.error("the store cannot write to disk: %s", error)
            self._emit_soon(
                payloads.StoreError(
                    event=STORE_ERROR_NAME,
                    message=str(error),
                    pending=store.pending,
                    path=str(store.path),
                )
            )
        elif error is None and self._failing:
            self._failing = False
            log.warning("the store writes to disk again (%s)", store.path)
            self._emit_soon(
                payloads.StoreError(
                    event=STORE_RECOVERED_NAME,
                    message="the store writes to disk again",
                    pending=store.pending,
                    path=str(store.path),
                )
            )

    def _emit_soon(self, payload: payloads.StoreError) -> None:
        task = asyncio.get_running_loop().create_task(self.emit(payload.KIND, payload.to_payload()))
        task.add_done_callback(_log_failure)

    @property
    def store_error(self) -> str | None:
        store = self._store
        error = None if store is None else store.last_error
        return None if error is None else str(error)


def _log_failure(task: asyncio.Task[Event]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("could not record a store error event: %s", task.exception())


def _add_interaction(store: Store, interaction: Interaction) -> Recorded:
    hashed = interaction if interaction.content_hash else interaction.with_hash()
    try:
        added = store.interactions.add_counted(hashed)
    except ValueError:
        # Another interaction already has this id (a client reusing ids): keep both.
        hashed = hashed.model_copy(update={"id": new_id()})
        added = store.interactions.add_counted(hashed)
    return Recorded(added.id, new=added.new, count=added.count)


def _unrecorded_payload(failed: list[str], store: Store) -> payloads.StoreError:
    return payloads.StoreError(
        event=RECORD_ERROR_NAME,
        message=f"{len(failed)} interaction(s) could not be recorded (the others were): "
        + "; ".join(failed[:5])
        + ("; ..." if len(failed) > 5 else ""),
        pending=0,
        path=str(store.path),
        interactions=failed,
    )


def _add_new_fixtures(store: Store, fixtures: Sequence[Fixture]) -> list[Fixture]:
    """Those draft fixtures whose `draft_key` no fixture stored for their provider has (the
    same answer but for per-run ids and times), added; a stored one is kept as it is."""
    known: dict[str, set[str]] = {}
    created: list[Fixture] = []
    for fixture in fixtures:
        hashed = fixture if fixture.content_hash else fixture.with_hash()
        if hashed.provider not in known:
            known[hashed.provider] = {
                draft_key(f) for f in store.fixtures.list(provider=hashed.provider)
            }
        key = draft_key(hashed)
        if key in known[hashed.provider] or store.fixtures.get(hashed.id):
            continue
        known[hashed.provider].add(key)
        store.fixtures.add(hashed)
        created.append(hashed)
    return created


def _fixture_payload(fixture: Fixture) -> payloads.FixtureCreated:
    return payloads.FixtureCreated(
        id=fixture.id,
        provider=fixture.provider,
        operation_id=fixture.operation_id,
        status=str(fixture.status),
    )
