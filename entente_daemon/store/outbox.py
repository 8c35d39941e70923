"""The outbox: what this workstation has to send to the broker, and the sync's own state.

Why it is built this way:

* **Queued in the write that stores the record.** The engine hands every change to
  `OutboxRepository.observe` (under its lock, before encoding it); a new or changed record
  of a synced table adds its outbox entry to the *same* batch of journal lines. So whatever
  path stores a record (the daemon's writer, the CLI on the local store, the verifier), it
  is queued, and a record that is durable (acknowledged) has its entry durable too.
* **An entry names a record, it does not copy it.** The push reads the record as it is
  then (``kind:id`` is the key: a record changed twice before a push is sent once, as it
  is now). A record deleted before it was sent is dropped from the queue as gone.
* **Sent once, as far as the broker can tell.** An entry leaves the queue only after the
  broker acknowledged it; a crash between the two sends it again, and the broker's uploads
  are idempotent (interactions by content hash, everything else by id).
* **Only contracts are pushed** of the interactions: those a test made or a person
  promoted (`Interaction.contract`). Exploratory traffic is one developer's poking: it is
  never verified, it is where stray credentials are likeliest, and it would flood the
  shared record. Promoting one later queues it (a change of the record).
* **Off until a broker is configured** (`enable`): a workstation without a broker keeps no
  queue. Enabling queues what the store holds already, once.
* **Bounded**: at most ``limit`` entries; past it an entry is not queued but *counted*
  (``dropped``), and the sync service reports the count (status, ``sync.error``).
* **Pulled records are not queued back** (`pulling`): what came from the broker goes
  nowhere.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from ..model import Record, utc_now
from .storage import Change

OUTBOX_TABLE = "outbox"
SYNC_TABLE = "sync_state"
_STATE_DOC = "state"
DEFAULT_OUTBOX_LIMIT = 100_000


class OutboxKind(StrEnum):
    """What an entry sends; the value is the table its record lives in."""

    SPEC_VERSION = "spec_versions"
    SERVICE_VERSION = "service_versions"
    ENVIRONMENT = "environments"
    INTERACTION = "interactions"
    FIXTURE = "fixtures"
    VERIFICATION = "verifications"
    DEPLOYMENT = "deployments"
    RELEASE = "releases"


#: The order a push sends kinds in: what a later record refers to goes first.
PUSH_ORDER: tuple[OutboxKind, ...] = tuple(OutboxKind)
_SYNCED = {kind.value: kind for kind in OutboxKind}


class OutboxEntry(Record):
    key: str  # "<kind>:<record id>"
    kind: OutboxKind
    record_id: str
    seq: int
    queued_at: datetime = Field(default_factory=utc_now)
    attempts: int = 0
    last_error: str | None = None


class SyncState(Record):
    """The sync's own state, kept in the store: whether the outbox is on, the pull cursor,
    when the last push and pull succeeded, and how many entries did not fit."""

    enabled: bool = False
    url: str | None = None
    cursor: int = 0
    last_push: datetime | None = None
    last_pull: datetime | None = None
    pushed: int = 0
    pulled: int = 0
    dropped: int = 0
    # Per fixture: the decision this side knows of, {"status", "by", "at"} (`conflicts`).
    decisions: dict[str, dict[str, Any]] = Field(default_factory=dict)


def _wanted(kind: OutboxKind, doc: dict[str, Any]) -> bool:
    if kind is OutboxKind.INTERACTION:
        return bool(doc.get("test_id")) or bool(doc.get("promoted"))
    return True


def _entry(key: str, doc: dict[str, Any]) -> OutboxEntry:
    kind, record_id = key.split(":", 1)
    known = {k: v for k, v in doc.items() if k in ("seq", "queued_at", "attempts", "last_error")}
    return OutboxEntry(key=key, kind=OutboxKind(kind), record_id=record_id, **known)


class OutboxRepository:
    """The outbox table and the sync state document (see the module's docstring).

    ``observe`` runs inside the engine's ``record`` (under its lock); everything else takes
    the lock itself."""

    def __init__(self, engine: Any, limit: int = DEFAULT_OUTBOX_LIMIT) -> None:
        self._engine = engine
        self.limit = limit
        self._pulling = threading.local()
        self._seq: int | None = None
        self._seq_epoch: object = None

    # -- the engine's hook -------------------------------------------------------------

    def observe(self, changes: Sequence[Change]) -> list[Change]:
        """The outbox changes that go with ``changes`` (journaled and applied with them)."""
        if getattr(self._pulling, "on", False):
            return []
        wanted: list[tuple[OutboxKind, str]] = []
        for table, doc_id, doc in changes:
            kind = _SYNCED.get(table or "")
            if kind is None or doc_id is None or doc is None or not _wanted(kind, doc):
                continue
            wanted.append((kind, doc_id))
        if not wanted:
            return []
        state = self._tables().get(SYNC_TABLE, {}).get(_STATE_DOC)  # read, never changed
        if not state or not state.get("enabled"):
            return []
        return self._entries_for(wanted, state)

    def _entries_for(
        self, wanted: list[tuple[OutboxKind, str]], state: dict[str, Any]
    ) -> list[Change]:
        """The entries to add (plain documents: this runs on every recorded change), and the
        state's ``dropped`` count when the outbox was full."""
        queue = self._tables().get(OUTBOX_TABLE, {})
        size = len(queue)
        dropped = 0
        out: list[Change] = []
        fresh: set[str] = set()
        now = utc_now().isoformat()
        for kind, record_id in wanted:
            key = f"{kind.value}:{record_id}"
            if key in queue or key in fresh:
                continue  # queued already: the push reads the record as it is then
            if size >= self.limit:
                dropped += 1
                continue
            # Small: written for every record (kind and id are in the key; attempts and
            # the last error only once a push failed).
            doc = {"seq": self._take_seq(queue), "queued_at": now}
            out.append((OUTBOX_TABLE, key, doc))
            fresh.add(key)
            size += 1
        if dropped:
            total = int(state.get("dropped", 0)) + dropped
            out.append((SYNC_TABLE, _STATE_DOC, {**state, "dropped": total}))
        return out

    def _take_seq(self, queue: dict[str, dict[str, Any]]) -> int:
        """The next queue position: one above the highest queued (read once, then counted
        here; only the order of the entries queued together matters)."""
        if self._seq is None or self._seq_epoch is not self._engine.tables:
            self._seq = max((int(doc.get("seq", 0)) for doc in queue.values()), default=0)
            self._seq_epoch = self._engine.tables
        self._seq += 1
        return self._seq

    def _tables(self) -> dict[str, dict[str, dict[str, Any]]]:
        tables: dict[str, dict[str, dict[str, Any]]] = self._engine.tables
        return tables

    def _state_doc(self) -> dict[str, Any]:
        return dict(self._tables().get(SYNC_TABLE, {}).get(_STATE_DOC) or {})

    @contextlib.contextmanager
    def pulling(self) -> Iterator[None]:
        """Within: this thread's writes are records that came from the broker, not queued."""
        self._pulling.on = True
        try:
            yield
        finally:
            self._pulling.on = False

    # -- the sync state --------------------------------------------------------------------

    @property
    def _sync_table(self) -> Any:
        return self._engine.db.table(SYNC_TABLE)

    @property
    def _queue_table(self) -> Any:
        return self._engine.db.table(OUTBOX_TABLE)

    def state(self) -> SyncState:
        with self._engine.lock:
            self._engine.check_open()
            return SyncState.model_validate(self._state_doc())

    def save_state(self, state: SyncState) -> None:
        with self._engine.lock:
            self._engine.check_writable()
            self._sync_table.put(_STATE_DOC, state.to_json())

    def update_state(self, **fields: Any) -> SyncState:
        """Change some fields of the state atomically; the new state."""
        with self._engine.lock:
            state = self.state().model_copy(update=fields)
            self.save_state(state)
            return state

    def enable(self, url: str | None) -> int:
        """Turn the outbox on (a broker is configured); the first time, queue what the store
        holds already. How many entries that queued."""
        with self._engine.lock:
            state = self.state()
            if state.enabled:
                if url and state.url != url:
                    self.save_state(state.model_copy(update={"url": url}))
                return 0
            self.save_state(state.model_copy(update={"enabled": True, "url": url}))
            before = self.count()
            wanted: list[tuple[OutboxKind, str]] = []
            for kind in PUSH_ORDER:
                table = self._engine.db.table(kind.value)
                for record_id, doc in table.docs().items():
                    if _wanted(kind, doc):
                        wanted.append((kind, record_id))
            self._apply(self._entries_for(wanted, self._state_doc()))
            return self.count() - before

    def _apply(self, changes: list[Change]) -> None:
        for table, doc_id, doc in changes:
            assert table is not None
            assert doc_id is not None
            assert doc is not None
            self._engine.db.table(table).put(doc_id, doc)

    # -- the queue ---------------------------------------------------------------------------

    def count(self) -> int:
        with self._engine.lock:
            self._engine.check_open()
            return len(self._queue_table.docs())

    def counts(self) -> dict[str, int]:
        """Queued entries per kind (every kind named, zero included)."""
        with self._engine.lock:
            self._engine.check_open()
            found = Counter(key.split(":", 1)[0] for key in self._queue_table.docs())
        return {kind.value: found.get(kind.value, 0) for kind in PUSH_ORDER}

    def entries(self, limit: int | None = None) -> list[OutboxEntry]:
        """The oldest entries first, by kind in `PUSH_ORDER` then queue order."""
        with self._engine.lock:
            self._engine.check_open()
            docs = list(self._queue_table.docs().items())
        rank = {kind.value: n for n, kind in enumerate(PUSH_ORDER)}
        docs.sort(key=lambda kv: (rank.get(kv[0].split(":", 1)[0], 99), kv[1].get("seq", 0)))
        chosen = docs if limit is None else docs[:limit]
        return [_entry(key, doc) for key, doc in chosen]

    def sent(self, keys: Sequence[str]) -> int:
        """The broker took these entries (or their record is gone): out of the queue."""
        with self._engine.lock:
            self._engine.check_writable()
            return len(self._queue_table.delete_many(list(keys)))

    def failed(self, keys: Sequence[str], error: str) -> None:
        """A push of these entries failed: count the attempt, keep them queued."""
        with self._engine.lock:
            self._engine.check_writable()
            table = self._queue_table
            docs = table.docs()
            for key in keys:
                doc = docs.get(key)
                if doc is not None:
                    attempts = int(doc.get("attempts", 0)) + 1
                    table.put(key, {**doc, "attempts": attempts, "last_error": error})
