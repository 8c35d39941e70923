"""The engine: live tables, the journal buffer, and the threads that make changes durable.

Every change is encoded into the in-memory journal buffer at once (under ``lock``); the
flusher thread appends and syncs the buffer every ``flush_interval`` (group commit), and
the compactor thread writes a new snapshot when the journal outgrows the last one.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from ..errors import StoreError
from ..home import ensure_private_dir
from .journal import Entry, JournalWriter, encode_entry, journal_path, list_generations
from .lock import WriterLock
from .rows import DERIVED
from .snapshot import (
    FORMAT,
    SNAPSHOT_NAME,
    TABLES_DIR,
    UNKNOWN,
    LazyTable,
    LoadedState,
    TableFile,
    apply_derived,
    encode_manifest,
    load_state,
    unreferenced_table_files,
    write_snapshot,
    write_tables,
)
from .storage import Change, LiveStorage, StoreDB

log = logging.getLogger("entente.store")

DEFAULT_FLUSH_INTERVAL = 0.2
DEFAULT_COMPACT_MIN_BYTES = 4 * 1024 * 1024
_WAKE_BYTES = 1024 * 1024  # flush early when this much is buffered
_COMPACT_BACKOFF = 5.0  # seconds before retrying a compaction that failed
_RECOVER_BACKOFF = 1.0  # seconds between snapshots tried after the journal failed


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class FairLock:
    """A re-entrant lock granted first come, first served.

    Python's locks are not fair: a thread that releases a lock and takes it again at once
    (a recorder adding interactions in a loop) keeps it, while the thread waiting for it
    (the flusher, which must run for changes to become durable within a bound) may wait
    for seconds. Here waiting threads queue, and a thread that comes back queues behind.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._queue: deque[int] = deque()
        self._tickets = itertools.count()

    def __enter__(self) -> None:
        me = threading.get_ident()
        if self._owner == me:  # only this thread sets the owner to itself: no race
            self._depth += 1
            return
        with self._cond:
            if self._owner is None and not self._queue:
                self._owner, self._depth = me, 1
                return
            ticket = next(self._tickets)
            self._queue.append(ticket)
            try:
                while self._owner is not None or self._queue[0] != ticket:
                    self._cond.wait()
            except BaseException:
                self._queue.remove(ticket)
                self._cond.notify_all()
                raise
            self._queue.popleft()
            self._owner, self._depth = me, 1

    def try_enter(self) -> bool:
        """Take the lock only when that needs no waiting; whether it was taken."""
        me = threading.get_ident()
        if self._owner == me:
            self._depth += 1
            return True
        with self._cond:
            if self._owner is None and not self._queue:
                self._owner, self._depth = me, 1
                return True
        return False

    def owned(self) -> bool:
        return self._owner == threading.get_ident()

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth:
            return
        with self._cond:
            self._owner = None
            if self._queue:
                self._cond.notify_all()


class EngineLock:
    """The engine's lock. Leaving its outermost level also flushes, when the oldest pending
    change has waited ``flush_interval``: a thread that records without pause then makes its
    own changes durable, rather than relying on the flusher thread, which the GIL may keep
    waiting for long under load."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.fair = FairLock()

    def __enter__(self) -> None:
        self.fair.__enter__()

    def __exit__(self, *exc: object) -> None:
        self.fair.__exit__()
        if not self.fair.owned():
            self._engine._flush_if_due()


class Engine:
    # Health (issue 13, item 2): set when appending to the journal failed (a full disk);
    # then nothing more is appended until a snapshot of everything has been written (see
    # `_recover_by_snapshot`).
    _needs_snapshot = False
    _recover_not_before = 0.0
    _migrating: int | None = None  # the older format read at open, until a compaction

    def __init__(
        self,
        directory: Path,
        *,
        readonly: bool,
        lock_timeout: float,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        compact_min_bytes: int = DEFAULT_COMPACT_MIN_BYTES,
        compact_on_close: bool = True,
    ) -> None:
        self.directory = directory
        self.readonly = readonly
        self.lock = EngineLock(self)  # TinyDB is not thread-safe: all table access holds it
        self.epoch = 0  # bumped when the tables are reloaded: derived indexes are stale
        self.last_error: StoreError | None = None
        self._flush_interval = flush_interval
        self._compact_min_bytes = compact_min_bytes
        self._compact_on_close = compact_on_close
        self._io_lock = threading.Lock()  # one journal append at a time
        self._bytes_lock = threading.Lock()  # guards _journal_bytes
        self._compact_lock = threading.Lock()  # one compaction at a time
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._pending_since = 0.0
        self._closed = False
        self._stopping = False
        self._compact_not_before = 0.0
        self._wake = threading.Event()
        self._compact_wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._writer_lock: WriterLock | None = None
        self._journal = JournalWriter(directory)
        self._load_lock = threading.Lock()  # one read of a lazy table at a time
        self._opened: list[LazyTable] = []  # every lazy table's handle, closed on close
        # The outbox's hook (`outbox.OutboxRepository.observe`): the changes to journal and
        # apply along with each batch of changes, so a record and its entry land together.
        self.observer: Callable[[Sequence[Change]], list[Change]] | None = None

        if not readonly:
            try:
                ensure_private_dir(directory)
            except OSError as exc:
                raise StoreError(f"{directory}: cannot create the store ({_reason(exc)})") from exc
            self._writer_lock = WriterLock.acquire(directory, lock_timeout)
        try:
            state = load_state(directory)
        except BaseException:
            self._release()
            raise
        self.tables = state.tables
        self._adopt_layout(state)
        self._seq = state.seq
        self._snapshot_bytes = state.snapshot_bytes
        self._journal_bytes = state.journal_bytes
        self.db = StoreDB(LiveStorage(self.tables, self, self))
        if state.damaged_lines:
            log.info("%s: skipped %d damaged journal line(s)", directory, state.damaged_lines)
        # A writer starts a fresh journal generation: the last one may end in a torn line.
        self._generation = max([state.generation, *list_generations(directory)]) + 1
        if not readonly:
            self._remove_leftovers(state.generation)
            self._start_threads()
            atexit.register(self._flush_at_exit)
            if state.format not in (0, FORMAT):
                # Migrated by the compactor, in the background: opening reads the old layout
                # as it is (a migration at 100,000 interactions took two minutes of open).
                self._migrating = state.format
                self._compact_wake.set()

    # -- the layout: one file per table, the big ones read on first use (h13-store) -------

    def _adopt_layout(self, state: LoadedState) -> None:
        """Take the loaded state's lazy tables and table files. Tables the journal changed
        since the snapshot differ from their file: the next compaction rewrites them."""
        self._lazy: dict[str, LazyTable] = state.lazy
        self._opened.extend(state.lazy.values())
        self._files: dict[str, TableFile] = state.files
        self._dirty: set[str] = set(self.tables) if state.journal_bytes else set()
        self._complete: set[str] = state.complete
        self._dirty |= {name for name in state.complete if name not in state.files}

    # -- derived tables (`store.rows`): made from their source's changes, never written to --

    def derived_complete(self, name: str) -> bool:
        """Whether the derived table ``name`` stands for every document of its source (else
        only for those changed since open: `complete_derived` makes it whole)."""
        return name in self._complete

    def complete_derived(self, name: str) -> None:
        """Make the derived table ``name`` from its whole source (read first, if lazy);
        call under ``lock``, best after reading the source without it (``ensure_loaded``)."""
        if name in self._complete:
            return
        for source, (derived, make) in DERIVED.items():
            if derived == name:
                self.ensure_loaded(source)
                docs = self.tables.get(source, {})
                self._lazy.pop(name, None)  # made whole here: its file no longer counts
                self.tables[name] = {doc_id: make(doc) for doc_id, doc in docs.items()}
                self._dirty.add(name)
                self._complete.add(name)

    def known_size(self, name: str) -> int | None:
        """How many documents ``name`` holds when known without reading it."""
        lazy = self._lazy.get(name)
        if lazy is None:
            return len(self.tables.get(name, {}))
        return lazy.exact_count

    def ensure_loaded(self, name: str) -> None:
        """Read a lazy table (its file, then its journal entries) into the live tables.

        Called by the tables on first use (under ``lock``), and by whoever wants it read
        ahead (the daemon, in the background): then the file is parsed without holding
        ``lock``, so the other tables stay usable meanwhile."""
        lazy = self._lazy.get(name)
        if lazy is None:
            return
        path = self.directory / TABLES_DIR / name
        if self.lock.fair.owned():
            self._install(name, lazy, lazy.read(path))
            return
        with self._load_lock:  # never held while waiting for ``lock`` (see above)
            if self._lazy.get(name) is not lazy:
                return  # read meanwhile, or the store was reloaded
            docs = lazy.read(path)
        with self.lock:
            self._install(name, lazy, docs)

    def _install(self, name: str, lazy: LazyTable, docs: dict[str, Any]) -> None:
        """Put a lazy table's documents in place, unless it was read meanwhile; under lock."""
        if self._lazy.get(name) is not lazy:
            return
        del self._lazy[name]
        if docs:
            self.tables[name] = docs
        if lazy.entries or lazy.dropped:
            self._dirty.add(name)

    def peek(self, name: str, doc_id: str) -> dict[str, Any] | None:
        """One document of ``name``, without reading a lazy table whose file has an index
        (`LazyTable.peek`); call under ``lock``. Read, never change."""
        lazy = self._lazy.get(name)
        if lazy is not None:
            found = lazy.peek(doc_id)
            if found is not UNKNOWN:
                return cast("dict[str, Any] | None", found)
            self.ensure_loaded(name)
        return self.tables.get(name, {}).get(doc_id)

    def write_lazy(self, name: str, docs: Sequence[tuple[str, dict[str, Any] | None]]) -> bool:
        """Put (or, doc None, delete) documents of ``name`` without reading it, when it is
        a lazy table not read yet: journaled as any change, and kept with its journal
        entries (so `peek` and the eventual read see them). False when ``name`` is in
        memory: the caller changes it through its table. Call under ``lock``."""
        lazy = self._lazy.get(name)
        if lazy is None:
            return False
        first = self._seq + 1
        self.record([(name, doc_id, doc) for doc_id, doc in docs])
        lazy.entries.extend(
            Entry(seq, name, doc_id, doc) for seq, (doc_id, doc) in enumerate(docs, start=first)
        )
        return True

    def loaded(self, name: str) -> bool:
        """Whether ``name`` is in memory (not a lazy table still unread)."""
        return name not in self._lazy

    def table_size(self, name: str) -> int:
        """How many documents ``name`` holds, without reading a lazy table when the
        snapshot's count is exact."""
        lazy = self._lazy.get(name)
        if lazy is not None and lazy.exact_count is not None:
            return lazy.exact_count
        self.ensure_loaded(name)
        return len(self.tables.get(name, {}))

    def forget_lazy(self, name: str | None) -> None:
        """A table dropped (None: every table): its unread file no longer counts."""
        for key in [name] if name is not None else list(self._lazy):
            lazy = self._lazy.get(key)
            if lazy is not None:
                lazy.drop()

    @property
    def migrating(self) -> bool:
        """Whether the store is still in an older layout, to be written anew by the
        compactor (one compaction, atomic as any; retried after a failure)."""
        return self._migrating is not None

    def _migrated(self) -> None:
        old, self._migrating = self._migrating, None
        if old is not None:
            log.info("%s: store migrated from format %d to %d", self.directory, old, FORMAT)

    # -- recording ----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pending(self) -> int:
        """Changes made but not yet durable."""
        with self.lock:
            return len(self._pending)

    def check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.directory}: the store is closed")

    def check_writable(self) -> None:
        self.check_open()
        if self.readonly:
            raise StoreError(f"{self.directory}: the store is open read-only")

    def record(self, changes: Sequence[Change]) -> None:
        """The ``ChangeSink`` of the tables: encode and buffer; called under ``lock``."""
        self.check_writable()
        extra = self.observer(changes) if self.observer is not None else []
        if extra:
            changes = [*changes, *extra]
        seq = self._seq
        try:
            lines = [
                encode_entry(seq + n, table, doc_id, doc)
                for n, (table, doc_id, doc) in enumerate(changes, start=1)
            ]
        except (TypeError, ValueError) as exc:
            raise StoreError(f"cannot store a document: not plain JSON ({exc})") from exc
        self._seq = seq + len(lines)
        for table, doc_id, doc in extra:  # the observer's: applied here, after encoding
            assert table is not None
            assert doc_id is not None
            assert doc is not None
            self.tables.setdefault(table, {})[doc_id] = doc
        for table, doc_id, doc in changes:
            if table is None:
                self._dirty.update(self.tables)
            else:
                self._dirty.add(table)
            derived = apply_derived(self.tables, table, doc_id, doc, self._lazy)
            if derived is not None:
                self._dirty.add(derived)
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.extend(lines)
        self._pending_bytes += sum(map(len, lines))
        if self._pending_bytes >= _WAKE_BYTES:
            self._wake.set()

    # -- durability ---------------------------------------------------------------------

    def flush(self) -> None:
        """Append and sync every change made so far; returns once they are durable."""
        if self.readonly or self._closed:
            return
        self._recover_not_before = 0.0  # asked for: a snapshot owed is tried at once
        with self._io_lock:
            self._flush_locked(wait=True)

    def _flush_if_due(self) -> None:
        """Flush when the oldest pending change has waited ``flush_interval``; called by a
        thread leaving ``lock``. Never raises: a failure stays in ``last_error``, the changes
        stay pending. (Waiting for ``_io_lock`` here releases the GIL, so a flusher thread
        holding it finishes quickly.)"""
        if (
            not self._pending
            or time.monotonic() - self._pending_since < self._flush_interval
            or self.readonly
            or self._closed
        ):
            return
        try:
            with self._io_lock:
                self._flush_locked(wait=True)
        except StoreError:
            pass

    def _flush_locked(self, *, wait: bool) -> bool:
        """The flush proper; the caller holds ``_io_lock`` and not ``lock``. Without
        ``wait``, gives up (False) when ``lock`` is busy rather than holding ``_io_lock``
        while queueing for it: the thread holding ``lock`` can then flush by itself."""
        if self._needs_snapshot:
            return self._recover_by_snapshot()
        fair = self.lock.fair
        if wait:
            fair.__enter__()
        elif not fair.try_enter():
            return False
        try:
            lines, self._pending, self._pending_bytes = self._pending, [], 0
            generation = self._generation
        finally:
            fair.__exit__()
        if lines:
            data = b"".join(lines)
            try:
                written = self._journal.append(generation, data)
            except OSError as exc:
                with fair:
                    self._pending[:0] = lines
                    self._pending_bytes += len(data)
                error = StoreError(
                    f"{journal_path(self.directory, generation)}: cannot write the store "
                    f"({_reason(exc)}); {len(lines)} change(s) are kept in memory and "
                    "retried on the next flush"
                )
                self.last_error = error
                self._needs_snapshot = True
                raise error from exc
            with self._bytes_lock:
                self._journal_bytes += written
        self.last_error = None
        if self._wants_compaction():
            self._compact_wake.set()
        return True

    # -- health -------------------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        """Whether changes become durable now: false from a failed journal append until a
        snapshot has been written again."""
        return self.last_error is None and not self._needs_snapshot

    @property
    def pending_bytes(self) -> int:
        """The size of the changes made but not yet durable."""
        return self._pending_bytes

    def _recover_by_snapshot(self) -> bool:
        """The journal failed (a full disk): write a snapshot of everything, the pending
        changes included, before appending anything again. Appending the backlog first would
        eat the space just freed, and the snapshot that lets old journals go might never fit
        again. On success the pending changes (all in the snapshot) are dropped; else
        ``StoreError`` is raised, at most once per ``_RECOVER_BACKOFF`` trying again. The
        caller holds ``_io_lock``."""
        failure = self.last_error or StoreError(f"{self.directory}: the store cannot write")
        if time.monotonic() < self._recover_not_before:
            raise failure
        if not self._compact_lock.acquire(blocking=False):
            raise failure  # a compaction is writing a snapshot now: the next flush looks again
        try:
            # A lazy table with journal entries: its file alone is out of date. Read it.
            for name, lazy in list(self._lazy.items()):
                if lazy.entries:
                    self.ensure_loaded(name)
            fair = self.lock.fair  # not ``lock``: leaving it would flush, and we hold _io_lock
            with fair:
                seq = self._seq
                dirty, self._dirty = self._dirty, set()
                changed = {
                    name: dict(table)
                    for name, table in self.tables.items()
                    if name in dirty or name not in self._files
                }
                kept = {
                    name: entry
                    for name, entry in self._files.items()
                    if name not in changed
                    and (name in self.tables or (name in self._lazy and self._lazy[name].count))
                }
                generation = self._generation + 1
                self._generation = generation
                held, self._pending, self._pending_bytes = self._pending, [], 0
                with self._bytes_lock:
                    carried, self._journal_bytes = self._journal_bytes, 0
            try:
                files = {**kept, **write_tables(self.directory, changed, generation)}
                size = write_snapshot(self.directory, [encode_manifest(files, seq, generation)])
            except OSError as exc:
                with fair:
                    self._dirty |= dirty
                    self._pending[:0] = held
                    self._pending_bytes += sum(map(len, held))
                with self._bytes_lock:
                    self._journal_bytes += carried
                self._recover_not_before = time.monotonic() + _RECOVER_BACKOFF
                error = StoreError(
                    f"{self.directory / SNAPSHOT_NAME}: cannot write the store ({_reason(exc)}); "
                    f"{len(held)} change(s) are kept in memory, and the journal waits for a "
                    "snapshot to succeed"
                )
                self.last_error = error
                raise error from exc
            self._files = files
            self._snapshot_bytes = size + sum(entry.bytes for entry in files.values())
            self._remove_journals_before(generation)
            self._remove_unreferenced_tables()
            self._migrated()
        finally:
            self._compact_lock.release()
        self._needs_snapshot = False
        self.last_error = None
        log.warning("%s: the store is written again (a snapshot of everything)", self.directory)
        return True

    def _wants_compaction(self) -> bool:
        return (
            self._journal_bytes > max(self._compact_min_bytes, self._snapshot_bytes)
            or self._migrating is not None
        ) and time.monotonic() >= self._compact_not_before

    def compact(self) -> None:
        """Write a new snapshot (the tables changed since the last one, then the manifest)
        and delete the journals and table files it no longer needs."""
        self.check_writable()
        with self._compact_lock:
            # A lazy table with journal entries: its file alone is out of date. Read it.
            for name, lazy in list(self._lazy.items()):
                if lazy.entries:
                    self.ensure_loaded(name)
            # Flushes take their lines and the generation together under ``lock``: lines
            # taken before the switch may still be appended to the old journal, which is
            # harmless (the snapshot contains them) and needs no I/O lock here.
            with self.lock:
                seq = self._seq
                dirty, self._dirty = self._dirty, set()
                # Documents are replaced, never mutated: a shallow copy is a consistent view.
                changed = {
                    name: dict(table)
                    for name, table in self.tables.items()
                    if name in dirty or name not in self._files
                }
                kept = {
                    name: entry
                    for name, entry in self._files.items()
                    if name not in changed
                    and (name in self.tables or (name in self._lazy and self._lazy[name].count))
                }
                generation = self._generation + 1
                self._generation = generation  # pending and later changes go to the new one
                with self._bytes_lock:
                    carried, self._journal_bytes = self._journal_bytes, 0
            try:
                files = {**kept, **write_tables(self.directory, changed, generation)}
                manifest = encode_manifest(files, seq, generation)
                size = write_snapshot(self.directory, [manifest])
            except OSError as exc:
                with self.lock:
                    self._dirty |= dirty
                with self._bytes_lock:
                    self._journal_bytes += carried
                self._compact_not_before = time.monotonic() + _COMPACT_BACKOFF
                raise StoreError(
                    f"{self.directory / SNAPSHOT_NAME}: cannot write the store's snapshot "
                    f"({_reason(exc)}); nothing is lost, the journal keeps every change"
                ) from exc
            self._files = files
            self._snapshot_bytes = size + sum(entry.bytes for entry in files.values())
            self._remove_journals_before(generation)
            self._remove_unreferenced_tables()
            self._migrated()

    def _remove_unreferenced_tables(self) -> None:
        for path in unreferenced_table_files(self.directory, self._files):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("cannot remove %s: %s", path, exc)

    def _remove_journals_before(self, generation: int) -> None:
        for old in list_generations(self.directory):
            if old < generation:
                try:
                    journal_path(self.directory, old).unlink(missing_ok=True)
                except OSError as exc:
                    log.warning("cannot remove %s: %s", journal_path(self.directory, old), exc)

    def _remove_leftovers(self, snapshot_generation: int) -> None:
        self._remove_journals_before(snapshot_generation)
        for name in os.listdir(self.directory):
            if name.startswith(f"{SNAPSHOT_NAME}.tmp."):
                (self.directory / name).unlink(missing_ok=True)
        self._remove_unreferenced_tables()  # a compaction that crashed before its manifest

    def reload(self) -> None:
        """Read-only stores: read the store's current state from disk again."""
        self.check_open()
        state = load_state(self.directory)
        with self.lock:
            self.tables.clear()
            self.tables.update(state.tables)
            self._adopt_layout(state)
            self._seq = state.seq
            for table in self.db._tables.values():
                table.clear_cache()
            self.epoch += 1

    # -- threads and closing --------------------------------------------------------------

    def _start_threads(self) -> None:
        for target, name in (
            (self._flush_loop, "entente-store-flush"),
            (self._compact_loop, "entente-store-compact"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _flush_loop(self) -> None:
        failing = False
        while not self._stopping:
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            if self._stopping:
                break
            try:
                with self._io_lock:
                    # Tables busy: the thread using them flushes as it leaves them.
                    if not self._flush_locked(wait=False):
                        continue
            except StoreError as exc:
                if not failing:
                    log.warning("%s", exc)
                failing = True
                continue
            except Exception:
                log.exception("store flush failed")
                continue
            if failing:
                log.warning("%s: the store is written again", self.directory)
                failing = False

    def _compact_loop(self) -> None:
        while True:
            self._compact_wake.wait()
            self._compact_wake.clear()
            if self._stopping:
                break
            try:
                self.compact()
            except StoreError as exc:
                log.warning("%s", exc)
            except Exception:
                log.exception("store compaction failed")

    def _stop_threads(self) -> None:
        self._stopping = True
        self._wake.set()
        self._compact_wake.set()
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    def _flush_at_exit(self) -> None:
        try:
            self.flush()
        except StoreError as exc:
            log.error("%s", exc)

    def close(self) -> None:
        """Flush, compact, release the writer lock.

        When the final flush fails the store stays open (its changes still pending) and
        ``StoreError`` is raised: calling ``close()`` again retries.
        """
        if self._closed:
            return
        self._stop_threads()
        if not self.readonly:
            self.flush()
            if self._compact_on_close and (self._journal_bytes or self._dirty):
                try:
                    self.compact()
                except StoreError as exc:
                    log.warning("%s", exc)
        self._release()

    def _release(self) -> None:
        self._closed = True
        for lazy in self._opened:
            lazy.close()
        atexit.unregister(self._flush_at_exit)
        with self._io_lock:
            self._journal.close()
        if self._writer_lock is not None:
            self._writer_lock.release()
            self._writer_lock = None
