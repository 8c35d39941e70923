"""`InteractionCapture`: each request a mock answers becomes an interaction, without slowing
the answer. (The daemon's `StoreWriter` is what then writes interactions to the store.)

On the request path, ``record`` only groups: identical requests (same request, answer, test
and run) share one entry whose count grows, under a lock held for a dict lookup, so a tight
loop of one request costs a tuple hash per request and nothing else. A flusher thread wakes
every ``flush_interval`` seconds (sooner once ``batch_size`` new requests wait: repeats of
requests it has seen do not count, or a load of repeats would keep it busy), turns
each group into a redacted, hashed `Interaction` whose ``count`` is the group's size
(remembering recent conversions: a repeat costs a lookup and a count bump, see `memo`),
merges interactions with equal content hashes, and hands them to the sink in slices.
Interactions the sink already has (a request repeated after its first write) only grow its
count: those updates are written every ``repeat_interval`` seconds (and on
``flush``/``close``), so a load of repeated requests does not rewrite the same records
several times a second. (Grouping on the request path rather than in the flusher matters: a
flusher busy with every request would take the GIL from the event loop for milliseconds at
a time; and the flusher lets go of the GIL every half millisecond, see `slicing`.) A sink
that fails (a store locked by another writer, a full disk) keeps what it was not given in
memory: it is merged with what comes next and written again every ``retry_interval``
seconds, and ``warn`` is told once when that starts and once when it recovers.

Memory stays bounded: beyond ``max_queued`` distinct requests waiting for the flusher, or
``max_unwritten`` distinct interactions waiting for a failing sink, new ones are counted in
``dropped`` and not kept (and ``warn`` says so). What is remembered past a flush (which
requests were converted, and to what) is keyed by digests, never by raw bodies or headers.

Each interaction stands alone: one that cannot be converted, or that the sink refuses
(`Unrecordable`), is counted in ``unrecordable`` and named in a warning, and the others of
its batch are recorded as usual. (A body that cannot be stored as JSON is not such a case:
`convert` keeps it as text, see `bounds`.)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from entente_daemon.mock.messages import MockRequest, MockResult
from entente_daemon.model import Interaction, new_id
from entente_daemon.record.context import RecordingContext, recording_context
from entente_daemon.record.convert import Identity, to_interaction
from entente_daemon.record.memo import Conversions, Digest, digest
from entente_daemon.record.redact import Redaction
from entente_daemon.record.sinks import Sink, Unrecordable, describe, merge
from entente_daemon.record.slicing import Slicer, slices

log = logging.getLogger(__name__)

_Key = tuple[Any, ...]
_CONVERTED_MAX = 16_384


class _Group:
    """Identical answered requests: the first one, how many, and when the last came."""

    __slots__ = (
        "identity",
        "request",
        "result",
        "duration",
        "first",
        "last",
        "count",
        "test_id",
        "run_id",
    )

    def __init__(
        self,
        identity: Identity,
        request: MockRequest,
        result: MockResult,
        duration: float,
        at: float,
        test_id: str | None,
        run_id: str | None,
    ) -> None:
        self.identity = identity
        self.request = request
        self.result = result
        self.duration = duration
        self.first = at
        self.last = at
        self.count = 1
        self.test_id = test_id
        self.run_id = run_id


class InteractionCapture:
    """Records answered requests for one consumer/provider pair into ``sink``.

    ``record`` is cheap and thread-safe; everything else happens in the flusher thread,
    started on the first ``record`` (or ``start``). ``close`` writes what is left.
    """

    def __init__(
        self,
        consumer: str,
        consumer_version: str,
        provider: str,
        provider_version: str,
        environment: str,
        sink: Sink,
        *,
        redact: Redaction | None = None,
        enabled: bool = True,
        context: RecordingContext | None = None,
        flush_interval: float = 0.5,
        repeat_interval: float = 30.0,
        retry_interval: float = 1.0,
        batch_size: int = 2000,
        write_slice: int | None = None,
        max_queued: int = 200_000,
        max_unwritten: int = 100_000,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.identity = Identity(
            consumer, consumer_version, provider, provider_version, environment
        )
        self.sink = sink
        self.redaction = redact if redact is not None else Redaction()
        self.enabled = enabled
        self.context = context if context is not None else recording_context()
        self.flush_interval = flush_interval
        self.repeat_interval = repeat_interval
        self.retry_interval = retry_interval
        self.batch_size = batch_size
        self.write_slice = max(1, write_slice if write_slice is not None else sink.write_slice)
        self.max_queued = max_queued
        self.max_unwritten = max_unwritten
        self._warn = warn if warn is not None else log.warning

        self.recorded = 0  # requests accepted by ``record``
        self.written = 0  # requests whose interaction the sink took (an interaction's count)
        self.dropped = 0  # requests lost to the memory bounds
        self.unrecordable = 0  # requests whose interaction could not be converted or stored
        self.last_error: Exception | None = None

        self._groups: dict[_Key, _Group] = {}
        # Hashes of the keys the flusher has converted already: their requests are repeats,
        # which do not make it wake before its time (only ``_fresh`` ones count towards
        # ``batch_size``). A collision only wakes the flusher later: harmless.
        self._converted: set[int] = set()
        self._fresh = 0
        self._lock = threading.Lock()  # guards _groups and the counters
        self._unwritten: dict[str, Interaction] = {}
        self._written: set[str] = set()  # content hashes the sink has taken
        # Repeats of written interactions: content hash → (the interaction, count, last seen).
        self._repeats: dict[str, tuple[Interaction, int, float]] = {}
        self._next_repeats = 0.0  # when count updates of written interactions are due
        self._cache = Conversions()  # group key's digest → interaction, for repeats
        self._wake = threading.Event()
        self._flush_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._closed = False
        self._failing_since: float | None = None
        self._next_attempt = 0.0

    # -- the request path ----------------------------------------------------------------

    def record(
        self,
        request: MockRequest,
        result: MockResult,
        duration: float,
        test_id: str | None = None,
        run_id: str | None = None,
    ) -> None:
        """Queue one answered request (``duration`` in seconds). ``test_id``/``run_id``
        (from the ``X-Entente-Test``/``X-Entente-Run`` headers) override the context's."""
        if not self.enabled or self._closed:
            return
        if test_id is None or run_id is None:
            context_test, context_run = self.context.current()
            test_id = test_id if test_id is not None else context_test
            run_id = run_id if run_id is not None else context_run
        identity = self.identity
        response = result.response
        key = (
            identity,
            request.method,
            request.path,
            request.query_string,
            request.headers,
            request.body,
            response.status,
            response.headers,
            response.body,
            result.operation_id,
            result.provider_state,
            test_id,
            run_id,
        )
        now = time.time()
        with self._lock:
            groups = self._groups
            group = groups.get(key)
            if group is not None:
                group.count += 1
                group.last = now
                self.recorded += 1
                return
            if len(groups) >= self.max_queued:
                self._drop(1, f"more than {self.max_queued} distinct requests wait")
                return
            groups[key] = _Group(identity, request, result, duration, now, test_id, run_id)
            self.recorded += 1
            if hash(key) not in self._converted:
                self._fresh += 1
            fresh = self._fresh
        if self._thread is None:
            self.start()
        if fresh >= self.batch_size:
            self._wake.set()

    # -- identity --------------------------------------------------------------------------

    def set_identity(self, **changes: str) -> None:
        """Change who is recorded from now on (``provider_version=...`` after a reload);
        requests already queued keep what was current when they were answered."""
        self.identity = self.identity._replace(**changes)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        with self._start_lock:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(target=self._run, name="entente-recorder", daemon=True)
            self._thread.start()

    def flush(self) -> bool:
        """Hand everything recorded so far to the sink now; whether the sink took it all."""
        with self._flush_lock:
            return self._flush_once(force=True)

    @property
    def pending(self) -> int:
        """Requests queued plus distinct interactions waiting for the sink."""
        return len(self._groups) + len(self._unwritten) + len(self._repeats)

    def close(self, timeout: float = 10.0) -> list[Interaction]:
        """Stop the flusher and write what is left, retrying a failing sink until
        ``timeout``; the interactions that could still not be written (normally none).
        The sink is closed in any case."""
        if self._closed:
            return self._leftovers()
        self._closed = True
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        deadline = time.monotonic() + timeout
        retry = threading.Event()  # never set: a wait with a deadline
        with self._flush_lock:
            while not self._flush_once(force=True) and time.monotonic() < deadline:
                retry.wait(min(self.retry_interval, max(0.0, deadline - time.monotonic())))
        try:
            self.sink.close()
        except Exception as exc:  # e.g. the store's final flush failed: say so, keep going
            self.last_error = exc
            self._warn(f"recording: closing {self.sink.describe()} failed: {exc}")
        return self._leftovers()

    def _leftovers(self) -> list[Interaction]:
        """What the sink has not taken: new interactions and the count updates of written
        ones (as interactions carrying the counts to add)."""
        return list(self._unwritten.values()) + [
            _count_update(*repeat) for repeat in self._repeats.values()
        ]

    def __enter__(self) -> InteractionCapture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the flusher -----------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            if self._stopping:
                break
            try:
                with self._flush_lock:
                    self._flush_once(force=False)
            except Exception:  # a bug must not end recording for the rest of the session
                log.exception("recording: flushing failed")

    def _flush_once(self, *, force: bool) -> bool:
        """Convert what is queued and write it with what is waiting; call under
        ``_flush_lock``. Whether nothing is left unwritten.

        The sink gets slices of ``write_slice`` interactions (by default the sink's own), the
        GIL being let go between them; an interaction leaves memory once the slice holding it
        is written, so a sink failing half-way is retried with the rest only."""
        slicer = Slicer()
        self._collect(slicer)
        if not self._unwritten and not self._repeats:
            self._idle()
            return True
        now = time.monotonic()
        if not force and now < self._next_attempt:
            return False
        repeats_due = force or now >= self._next_repeats
        if not self._unwritten and not repeats_due:
            return False  # only count updates wait, and they are not due yet
        was_failing = self._failing_since is not None
        total = len(self._unwritten) + (len(self._repeats) if repeats_due else 0)
        try:
            for chunk in slices(list(self._unwritten.values()), self.write_slice):
                slicer.pause()
                try:
                    self.sink.write(chunk)
                    refused: dict[str, str] = {}
                except Unrecordable as exc:  # the rest of the chunk is written
                    refused = exc.refused
                for interaction in chunk:
                    del self._unwritten[interaction.content_hash]
                    why = refused.get(interaction.content_hash)
                    if why is None:
                        self._written.add(interaction.content_hash)
                        self.written += interaction.count
                    else:
                        self._give_up(interaction.count, describe(interaction), why)
            if repeats_due:
                for hashes in slices(list(self._repeats), self.write_slice):
                    slicer.pause()
                    updates = [_count_update(*self._repeats[h]) for h in hashes]
                    try:
                        self.sink.write(updates)
                    except Unrecordable as exc:
                        for update in updates:
                            if update.content_hash in exc.refused:
                                why = exc.refused[update.content_hash]
                                self._give_up(update.count, describe(update), why)
                                self.written -= update.count  # added back below
                    for content_hash in hashes:
                        del self._repeats[content_hash]
                    self.written += sum(update.count for update in updates)
                self._next_repeats = now + self.repeat_interval
        except Exception as exc:
            self.last_error = exc
            self._next_attempt = time.monotonic() + self.retry_interval
            if self._failing_since is None:
                self._failing_since = time.monotonic()
                kept = len(self._unwritten) + len(self._repeats)
                self._warn(
                    f"recording: cannot write to {self.sink.describe()}: {exc}; keeping "
                    f"{kept} interaction(s) in memory and retrying every "
                    f"{self.retry_interval:g}s"
                )
            return False
        if was_failing:
            self._failing_since = None
            self.last_error = None
            self._warn(
                f"recording: wrote the {total} interaction(s) kept in memory to "
                f"{self.sink.describe()}"
            )
        return not self._repeats

    def _idle(self) -> None:
        try:
            self.sink.idle()
        except Exception as exc:
            log.warning("recording: %s: %s", self.sink.describe(), exc)

    def _collect(self, slicer: Slicer) -> None:
        """Move the waiting groups into ``_unwritten``: each converted (or taken from the
        cache), then merged by content hash. A repeat of a written interaction costs a
        lookup and a count bump; the GIL is let go every few hundred microseconds."""
        with self._lock:
            groups, self._groups = self._groups, {}
            self._fresh = 0
        written = self._written
        repeats = self._repeats
        converted = self._converted
        if len(converted) >= _CONVERTED_MAX:
            converted.clear()
        for key, group in groups.items():
            slicer.tick()
            converted.add(hash(key))
            key_digest = digest(key)
            cached = self._cache.get(key_digest)
            if cached is not None and cached.content_hash in written:
                # A repeat of a written interaction: only its count grows (no conversion).
                content_hash = cached.content_hash
                repeat = repeats.get(content_hash)
                if repeat is None:
                    repeats[content_hash] = (cached, group.count, group.last)
                else:
                    repeats[content_hash] = (
                        cached,
                        repeat[1] + group.count,
                        max(repeat[2], group.last),
                    )
                continue
            try:
                interaction = self._convert(key_digest, group)
            except Exception as exc:  # this request alone is lost: say which, and why
                log.debug("recording: conversion failed", exc_info=True)
                self._give_up(group.count, _describe_group(group), f"{type(exc).__name__}: {exc}")
                continue
            known = self._unwritten.get(interaction.content_hash)
            if known is not None:
                self._unwritten[interaction.content_hash] = merge(known, interaction)
            elif len(self._unwritten) < self.max_unwritten:
                self._unwritten[interaction.content_hash] = interaction
            else:
                self._drop(
                    group.count,
                    f"{len(self._unwritten)} interactions wait for {self.sink.describe()}",
                )

    def _drop(self, count: int, why: str) -> None:
        """Lose ``count`` requests to the memory bounds; warn the first time."""
        if not self.dropped:
            self._warn(f"recording: {why}; not recording more until it catches up")
        self.dropped += count

    def _give_up(self, count: int, what: str, why: str) -> None:
        """``count`` requests of one interaction cannot be recorded: count them, say which."""
        self.unrecordable += count
        why = self.redaction.text(why)  # a message may quote what was sent
        self._warn(f"recording: cannot record {what}: {why}; the others are recorded")

    def _convert(self, key_digest: Digest, group: _Group) -> Interaction:
        duration = group.duration
        first = datetime.fromtimestamp(group.first, UTC)
        last = datetime.fromtimestamp(group.last, UTC) if group.count > 1 else None
        cached = self._cache.get(key_digest)
        if cached is not None:
            return cached.model_copy(
                update={
                    "id": new_id(),
                    "timestamp": first,
                    "last_seen": last,
                    "count": group.count,
                    "duration_ms": round(duration * 1000.0, 3),
                }
            )
        interaction = to_interaction(
            group.identity,
            group.request,
            group.result,
            redaction=self.redaction,
            duration=duration,
            timestamp=first,
            test_id=group.test_id,
            run_id=group.run_id,
            count=group.count,
            last_seen=last,
        )
        self._cache.put(key_digest, interaction)
        return interaction


def _describe_group(group: _Group) -> str:
    identity = group.identity
    return (
        f"{group.request.method.upper()} {group.request.path} "
        f"({identity.consumer} → {identity.provider}, answered {group.result.response.status})"
    )


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _count_update(interaction: Interaction, count: int, last: float) -> Interaction:
    """A written interaction again, carrying the count to add and when it was last seen."""
    return interaction.model_copy(update={"id": new_id(), "count": count, "last_seen": _utc(last)})
