"""One repository per stored entity: typed reads and writes over one TinyDB table each.

Every method holds the engine's lock for its whole read-modify-write, so a repository call
is atomic with respect to other threads. Returned models are independent copies.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from tinydb import Query
from tinydb.queries import QueryInstance

from ..errors import StoreError
from ..model import (
    Event,
    Fixture,
    FixtureStatus,
    Interaction,
    Record,
    Role,
    Service,
    SpecVersion,
    Verification,
    utc_now,
)
from .bounds import (
    META_TABLE,
    SAMPLED_DOC,
    BoundsPolicy,
    BucketCounts,
    BucketKey,
    bucket_of,
    bucket_of_interaction,
)
from .engine import Engine
from .rows import ROWS_TABLE, Row, bucket_of_row
from .storage import JournaledTable

M = TypeVar("M", bound=Record)
T = TypeVar("T")
Doc = dict[str, Any]


def _where(**fields: Any) -> QueryInstance | None:
    """A TinyDB query matching every field given a value other than None (None: all)."""
    query: QueryInstance | None = None
    for name, value in fields.items():
        if value is None:
            continue
        term = Query()[name] == value
        query = term if query is None else query & term
    return query


def _page(items: Iterable[T], limit: int | None, offset: int) -> list[T]:
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError("limit and offset must not be negative")
    stop = None if limit is None else offset + limit
    return list(islice(items, offset, stop))


class Repository(Generic[M]):
    table_name: str

    def __init__(self, engine: Engine, table_name: str, model: type[M]) -> None:
        self._engine = engine
        self.table_name = table_name
        self._model = model

    @property
    def _table(self) -> JournaledTable:
        return self._engine.db.table(self.table_name)

    def _load(self, doc: Doc) -> M:
        # Parsed from JSON text: a model sharing nothing with the stored document, so the
        # caller may mutate it (and faster than a deep copy plus validation).
        return self._model.model_validate_json(json.dumps(doc))

    def _docs(self, **fields: Any) -> Iterator[Doc]:
        """The matching documents in insertion order; call under the lock."""
        query = _where(**fields)
        table = self._table
        if query is None:
            return iter(table.docs().values())
        return (doc for doc in table.docs().values() if query(doc))

    def _list(self, limit: int | None, offset: int, **fields: Any) -> list[M]:
        with self._engine.lock:
            self._engine.check_open()
            return [self._load(doc) for doc in _page(self._docs(**fields), limit, offset)]

    def get(self, record_id: str) -> M | None:
        with self._engine.lock:
            self._engine.check_open()
            doc = self._table.docs().get(record_id)
            return None if doc is None else self._load(doc)

    def ids(self) -> list[str]:
        """The ids of every record, in insertion order (cheap: nothing is parsed)."""
        with self._engine.lock:
            self._engine.check_open()
            return list(self._table.docs())

    def count(self) -> int:
        """How many records (without reading a lazy table whose count is known)."""
        with self._engine.lock:
            self._engine.check_open()
            return self._engine.table_size(self.table_name)

    def delete(self, record_id: str) -> bool:
        """Remove a record; whether it was there."""
        with self._engine.lock:
            self._engine.check_writable()
            return self._table.delete(record_id)

    def clear(self) -> int:
        """Delete every record of this kind; how many there were."""
        with self._engine.lock:
            self._engine.check_writable()
            table = self._table
            count = len(table.docs())
            table.truncate()
            return count

    def _insert(self, record_id: str, model: M) -> str:
        with self._engine.lock:
            self._engine.check_writable()
            try:
                self._table.insert_new(record_id, model.to_json())
            except ValueError:
                raise StoreError(f"{self.table_name}: {record_id!r} already exists") from None
            return record_id

    def _put(self, record_id: str, model: M) -> str:
        with self._engine.lock:
            self._engine.check_writable()
            self._table.put(record_id, model.to_json())
            return record_id

    def _replace(self, record_id: str, change: Callable[[M], M]) -> M:
        """Read, change and write back one record atomically; StoreError if it is absent."""
        with self._engine.lock:
            self._engine.check_writable()
            current = self.get(record_id)
            if current is None:
                raise StoreError(f"{self.table_name}: no record {record_id!r}")
            updated = change(current)
            self._table.put(record_id, updated.to_json())
            return updated


class ServiceRepository(Repository[Service]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "services", Service)

    def upsert(self, service: Service) -> str:
        """Insert or update a service by name; an update keeps the original ``created_at``."""
        with self._engine.lock:
            existing = self.get(service.name)
            if existing is not None:
                service = service.model_copy(update={"created_at": existing.created_at})
            return self._put(service.name, service)

    def list(
        self, *, role: Role | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Service]:
        return self._list(limit, offset, role=role)


class SpecVersionRepository(Repository[SpecVersion]):
    """Spec versions keyed ``service@version``; adding one again replaces it."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "spec_versions", SpecVersion)

    def add(self, spec_version: SpecVersion) -> str:
        return self._put(spec_version.id, spec_version)

    def get_version(self, service: str, version: str) -> SpecVersion | None:
        return self.get(f"{service}@{version}")

    def list_versions(self, service: str) -> list[SpecVersion]:
        """The service's versions, oldest upload first."""
        versions = self._list(None, 0, service=service)
        return sorted(versions, key=lambda v: v.uploaded_at)

    def latest(self, service: str) -> SpecVersion | None:
        versions = self.list_versions(service)
        return versions[-1] if versions else None


@dataclass(frozen=True, slots=True)
class Added:
    """Where `InteractionRepository.add_counted` stored an interaction: the id, whether it
    is new (else merged into an equal one), and the stored count after the add. ``kept``
    false: its bucket was full, it was sampled out (not stored, only counted; ``id`` empty)."""

    id: str
    new: bool
    count: int
    kept: bool = True


class InteractionRepository(Repository[Interaction]):
    """Recorded interactions, de-duplicated by content hash and bounded per bucket
    (`store.bounds`: at most ``policy.limit(consumer)`` distinct ones per provider,
    consumer, consumer version, operation, status and test; the rest are counted)."""

    def __init__(self, engine: Engine, policy: BoundsPolicy | None = None) -> None:
        super().__init__(engine, "interactions", Interaction)
        self.policy = policy or BoundsPolicy()
        self._by_hash: dict[str, str] = {}
        self._buckets = BucketCounts()
        self._index_epoch = -1

    def _hash_index(self) -> dict[str, str]:
        """content_hash → id (and the bucket counts), built on first use from the rows
        when they are complete (no interaction read), else from the interactions; call
        under the lock."""
        if self._index_epoch != self._engine.epoch:
            meta = self._engine.db.table(META_TABLE).docs().get(SAMPLED_DOC)
            if self._rows_complete():
                rows = self._rows()
                self._by_hash = {row["h"]: row_id for row_id, row in rows.items() if row["h"]}
                self._buckets.load(map(bucket_of_row, rows.values()), meta)
            else:
                docs = self._table.docs()
                self._by_hash = {
                    doc["content_hash"]: doc_id
                    for doc_id, doc in docs.items()
                    if doc.get("content_hash")
                }
                self._buckets.load(map(bucket_of, docs.values()), meta)
            self._index_epoch = self._engine.epoch
        return self._by_hash

    # -- the rows (`store.rows`): each interaction's filter fields, kept beside it ----------

    def _rows(self) -> dict[str, Row]:
        """The rows by id, in the order first recorded (read, never change); under lock."""
        self._engine.ensure_loaded(ROWS_TABLE)
        return self._engine.tables.get(ROWS_TABLE, {})

    def _rows_complete(self) -> bool:
        return self._engine.derived_complete(ROWS_TABLE)

    def rows(self, then: Callable[[list[tuple[str, Row]]], T] | None = None) -> Any:
        """Every stored interaction's row, in the order first recorded (``then(rows)``
        when given, called under the store's lock: no interaction is added in between).
        Read from the rows table when complete (no interaction read); else made once from
        the interactions (read without holding the store's lock; a writer's next
        compaction stores them)."""
        give: Callable[[list[tuple[str, Row]]], Any] = then if then is not None else list
        self._engine.check_open()
        if self._rows_complete():
            self._engine.ensure_loaded(ROWS_TABLE)  # parsed without the store's lock
        with self._engine.lock:
            self._engine.check_open()
            if self._rows_complete():
                return give(list(self._rows().items()))
        self.load()  # the slow part, without the store's lock
        with self._engine.lock:
            self._engine.check_open()
            self._engine.complete_derived(ROWS_TABLE)
            return give(list(self._rows().items()))

    def _peek(self, record_id: str) -> Doc | None:
        """A stored interaction's document, read alone when the table is not in memory
        (`Engine.peek`); call under the lock."""
        return self._engine.peek(self.table_name, record_id)

    def get(self, record_id: str) -> Interaction | None:
        with self._engine.lock:
            self._engine.check_open()
            doc = self._peek(record_id)
            return None if doc is None else self._load(doc)

    def _write(self, record_id: str, doc: Doc) -> None:
        """Store one interaction's document (and its row) without reading the others
        when they are not in memory (`Engine.write_lazy`); call under the lock."""
        if not self._engine.write_lazy(self.table_name, [(record_id, doc)]):
            self._table.put(record_id, doc)

    def _insert_doc(self, record_id: str, doc: Doc) -> None:
        """Store a new interaction's document (and its row), as `_write`; ValueError when
        the id is taken. Call under the lock."""
        if self._engine.loaded(self.table_name):
            self._table.insert_new(record_id, doc)
        else:
            if self._peek(record_id) is not None:
                raise ValueError(f"Document with ID {record_id} already exists")
            self._engine.write_lazy(self.table_name, [(record_id, doc)])

    def count(self) -> int:
        """How many interactions (from the snapshot's count, else the rows when complete:
        none read)."""
        with self._engine.lock:
            self._engine.check_open()
            known = self._engine.known_size(self.table_name)
            if known is not None:
                return known
            if self._rows_complete():
                return len(self._rows())
            return self._engine.table_size(self.table_name)

    def admits(self, interaction: Interaction) -> bool:
        """Whether ``add_counted`` would keep it (a repeat of a stored one, or room in its
        bucket); it changes nothing."""
        hashed = interaction if interaction.content_hash else interaction.with_hash()
        with self._engine.lock:
            self._engine.check_open()
            if hashed.content_hash in self._hash_index():
                return True
            key = bucket_of(hashed.to_json())
            return not self._buckets.full(key, self.policy.limit(hashed.consumer))

    def admit(
        self, interactions: Iterable[Interaction]
    ) -> tuple[list[Interaction], list[Interaction]]:
        """Split a batch about to be added: those ``add_counted`` will keep (hashed), and
        those past their bucket's bound, counted as sampled out here. For a single writer
        that adds the first list right after (the daemon's recorder thread)."""
        with self._engine.lock:
            self._engine.check_writable()
            index = self._hash_index()
            added: Counter[BucketKey] = Counter()
            hashes: set[str] = set()
            kept: list[Interaction] = []
            out: list[Interaction] = []
            for interaction in interactions:
                hashed = interaction if interaction.content_hash else interaction.with_hash()
                if hashed.content_hash in index or hashed.content_hash in hashes:
                    kept.append(hashed)
                    continue
                key = bucket_of_interaction(hashed)
                limit = self.policy.limit(hashed.consumer)
                if limit > 0 and self._buckets.stored[key] + added[key] >= limit:
                    out.append(hashed)
                    if self._buckets.sample_out(hashed.provider):
                        self.save_counters()
                    continue
                added[key] += 1
                hashes.add(hashed.content_hash)
                kept.append(hashed)
            return kept, out

    def load(self) -> None:
        """Read the interactions from disk now, if not yet (they are read on first use);
        the file is parsed without holding the store's lock."""
        self._engine.check_open()
        self._engine.ensure_loaded(self.table_name)

    def scan(self, make: Callable[[str, Doc], T], then: Callable[[list[T]], None]) -> None:
        """``then([make(id, doc) for each stored interaction])``, all under the store's
        lock: no interaction is added in between (nothing is parsed into models: cheap)."""
        with self._engine.lock:
            self._engine.check_open()
            then([make(doc_id, doc) for doc_id, doc in self._table.docs().items()])

    def providers(self) -> list[str]:
        """The provider of every stored interaction (cheap: nothing is parsed)."""
        with self._engine.lock:
            self._engine.check_open()
            return [str(doc.get("provider", "")) for doc in self._table.docs().values()]

    def sampled(self) -> dict[str, int]:
        """How many interactions were sampled out (not kept), per provider."""
        with self._engine.lock:
            self._engine.check_open()
            self._hash_index()
            return dict(self._buckets.sampled)

    def save_counters(self) -> None:
        """Write the sampled-out counters when they changed since last written."""
        with self._engine.lock:
            if self._engine.readonly or self._engine.closed or not self._buckets.unsaved:
                return
            self._engine.db.table(META_TABLE).put(SAMPLED_DOC, self._buckets.saved_form())

    def add(self, interaction: Interaction) -> str:
        """Store an interaction; the id stored under ("" when sampled out: see
        `add_counted`)."""
        return self.add_counted(interaction).id

    def add_counted(self, interaction: Interaction) -> Added:
        """Store an interaction.

        When one with the same content hash is stored already, that one's ``count`` grows
        by this one's, its ``last_seen`` becomes this one's timestamp, its ``run_id`` the
        newest run that made it, and its ``match`` and ``duration_ms`` this one's (the newest
        answer's explanation); its id is returned, with ``new`` false.
        """
        if not interaction.content_hash:
            interaction = interaction.with_hash()
        with self._engine.lock:
            self._engine.check_writable()
            index = self._hash_index()
            table = self._table
            existing_id = index.get(interaction.content_hash)
            existing = None if existing_id is None else self._peek(existing_id)
            if existing_id is not None and existing is not None:
                seen = interaction.last_seen or interaction.timestamp
                count = int(existing.get("count", 1)) + interaction.count
                doc = {
                    **existing,
                    "count": count,
                    "last_seen": _later(existing.get("last_seen"), seen),
                    "run_id": interaction.run_id or existing.get("run_id"),
                    # The newest answer's explanation (the content is the same; why the
                    # mock answered so, and how fast, may not be).
                    "match": interaction.match.to_json(),
                    "duration_ms": interaction.duration_ms,
                }
                if not self._engine.write_lazy(self.table_name, [(existing_id, doc)]):
                    table.put(existing_id, doc)
                return Added(existing_id, False, count)
            doc = interaction.to_json()
            key = bucket_of_interaction(interaction)
            if self._buckets.full(key, self.policy.limit(interaction.consumer)):
                if self._buckets.sample_out(interaction.provider):
                    self.save_counters()
                return Added("", False, 0, kept=False)
            self._insert_doc(interaction.id, doc)
            index[interaction.content_hash] = interaction.id
            self._buckets.stored[key] += 1
            self.save_counters()
            return Added(interaction.id, True, interaction.count)

    def add_many(self, interactions: Iterable[Interaction]) -> list[str]:
        """``add`` each, under one lock: the ids stored under, in order (those sampled out
        are left out)."""
        with self._engine.lock:
            added = [self.add_counted(interaction) for interaction in interactions]
            return [a.id for a in added if a.kept]

    def find_by_hash(self, content_hash: str) -> Interaction | None:
        with self._engine.lock:
            self._engine.check_open()
            doc_id = self._hash_index().get(content_hash)
            return None if doc_id is None else self.get(doc_id)

    def clear(self) -> int:
        with self._engine.lock:
            count = super().clear()
            self._by_hash.clear()
            self._buckets.stored.clear()
            return count

    def delete(self, record_id: str) -> bool:
        with self._engine.lock:
            index = self._hash_index()  # built before the delete, so counted once
            doc = self._table.docs().get(record_id)
            removed = super().delete(record_id)
            if removed and doc is not None:
                index.pop(doc.get("content_hash", ""), None)
                key = bucket_of(doc)
                self._buckets.stored[key] -= 1
                if self._buckets.stored[key] <= 0:
                    del self._buckets.stored[key]
            return removed

    def promote(self, record_ids: Iterable[str]) -> list[Interaction]:
        """Make these interactions part of their consumer's contract; those found, changed."""
        with self._engine.lock:
            self._engine.check_writable()
            promoted: list[Interaction] = []
            for record_id in record_ids:
                doc = self._peek(record_id)
                if doc is None:
                    continue
                self._write(record_id, {**doc, "promoted": True})
                promoted.append(self._load({**doc, "promoted": True}))
            return promoted

    def delete_many(self, record_ids: Iterable[str]) -> list[str]:
        """Delete these interactions; the ids of those that were there."""
        with self._engine.lock:
            return [record_id for record_id in record_ids if self.delete(record_id)]

    def list(
        self,
        *,
        provider: str | None = None,
        consumer: str | None = None,
        test_id: str | None = None,
        run_id: str | None = None,
        operation_id: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Interaction]:
        """Matching interactions in the order first recorded (unfiltered, with complete
        rows: the page alone is read)."""
        if provider is consumer is test_id is run_id is operation_id is None:
            with self._engine.lock:
                self._engine.check_open()
                if self._rows_complete() and not self._engine.loaded(self.table_name):
                    ids = _page(self._rows(), limit, offset)
                    docs = (self._peek(record_id) for record_id in ids)
                    return [self._load(doc) for doc in docs if doc is not None]
        return self._list(
            limit,
            offset,
            provider=provider,
            consumer=consumer,
            test_id=test_id,
            run_id=run_id,
            operation_id=operation_id,
        )


def _later(stored: Any, seen: datetime) -> Any:
    """The later of a stored time and ``seen``, in the stored (JSON) form."""
    seen_json = _DATETIME.dump_python(seen, mode="json")
    try:
        if stored is not None and _DATETIME.validate_python(stored) > seen:
            return stored
    except (ValueError, TypeError):
        pass
    return seen_json


_DATETIME = TypeAdapter(datetime)


class FixtureRepository(Repository[Fixture]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "fixtures", Fixture)

    def add(self, fixture: Fixture) -> str:
        if not fixture.content_hash:
            fixture = fixture.with_hash()
        return self._insert(fixture.id, fixture)

    def update(self, fixture: Fixture) -> None:
        """Replace a stored fixture (same id) by ``fixture``; StoreError if it is absent."""
        self._replace(fixture.id, lambda _old: fixture.with_hash())

    def set_status(
        self, record_id: str, status: FixtureStatus, *, by: str | None = None
    ) -> Fixture:
        """Approve, reject or return to draft; approving records who and when."""

        def change(fixture: Fixture) -> Fixture:
            approved = status is FixtureStatus.APPROVED
            return fixture.model_copy(
                update={
                    "status": status,
                    "approved_by": by if approved else None,
                    "approved_at": utc_now() if approved else None,
                }
            )

        return self._replace(record_id, change)

    def list(
        self,
        *,
        provider: str | None = None,
        status: FixtureStatus | None = None,
        operation_id: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Fixture]:
        return self._list(
            limit, offset, provider=provider, status=status, operation_id=operation_id
        )


class VerificationRepository(Repository[Verification]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "verifications", Verification)

    def add(self, verification: Verification) -> str:
        return self._insert(verification.id, verification)

    def save(self, verification: Verification) -> str:
        """Insert or replace (a run in progress is saved as its results come in)."""
        return self._put(verification.id, verification)

    def list(
        self,
        *,
        provider: str | None = None,
        provider_version: str | None = None,
        consumer: str | None = None,
        consumer_version: str | None = None,
        environment: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Verification]:
        return self._list(
            limit,
            offset,
            provider=provider,
            provider_version=provider_version,
            consumer=consumer,
            consumer_version=consumer_version,
            environment=environment,
        )


class EventRepository(Repository[Event]):
    """The live feed: events numbered by a sequence that only grows, stored under it."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "events", Event)
        self._seqs: list[int] = []  # the stored sequence numbers, ascending
        self._seqs_epoch = -1

    def _sorted_seqs(self) -> list[int]:
        if self._seqs_epoch != self._engine.epoch:
            self._seqs = sorted(int(i) for i in self._table.docs() if i.isdigit())
            self._seqs_epoch = self._engine.epoch
        return self._seqs

    def _high_water(self) -> int:
        """The last number handed out, even when that event has been deleted since."""
        doc = self._engine.db.table(_META_TABLE).docs().get(_EVENTS_META)
        return int(doc["last_seq"]) if doc else 0

    def last_seq(self) -> int:
        with self._engine.lock:
            self._engine.check_open()
            seqs = self._sorted_seqs()
            return max(seqs[-1] if seqs else 0, self._high_water())

    def append(self, event: Event) -> int:
        """Store ``event`` under the next sequence number, which is returned."""
        with self._engine.lock:
            self._engine.check_writable()
            seq = self.last_seq() + 1
            self._table.insert_new(str(seq), event.model_copy(update={"seq": seq}).to_json())
            self._seqs.append(seq)
            return seq

    def since(self, seq: int, limit: int = 100) -> list[Event]:
        """Up to ``limit`` events after ``seq``, oldest first."""
        with self._engine.lock:
            self._engine.check_open()
            seqs = self._sorted_seqs()
            start = bisect.bisect_right(seqs, seq)
            raw = self._table.docs()
            return [self._load(raw[str(n)]) for n in seqs[start : start + max(limit, 0)]]

    def _forget(self, removed: Iterable[str]) -> None:
        """Remember the high-water mark before events are deleted; call under the lock."""
        last = self.last_seq()
        if str(last) in set(removed):
            self._engine.db.table(_META_TABLE).put(_EVENTS_META, {"last_seq": last})
        self._seqs_epoch = -1

    def delete(self, record_id: str) -> bool:
        with self._engine.lock:
            self._engine.check_writable()
            self._forget([record_id])
            return self._table.delete(record_id)

    def clear(self) -> int:
        with self._engine.lock:
            self._engine.check_writable()
            self._forget(list(self._table.docs()))
            return super().clear()

    def trim(self, keep: int) -> int:
        """Delete all but the ``keep`` newest events; how many were deleted."""
        with self._engine.lock:
            self._engine.check_writable()
            seqs = self._sorted_seqs()
            old = [str(n) for n in seqs[: max(len(seqs) - max(keep, 0), 0)]]
            self._forget(old)
            self._table.delete_many(old)
            return len(old)


_META_TABLE = "store_meta"
_EVENTS_META = "events"
