"""TinyDB on the live in-memory tables, with every change handed to the journal.

TinyDB's ``Table._update_table`` copies and rewrites the whole table on every change, and
its storages rewrite the whole file: O(n) per insert. Here the storage's ``read()`` returns
the live tables and the table class mutates them in place through a mapping that records
which documents were touched, then hands exactly those to the journal (a ``ChangeSink``).

Invariant: a stored document is never mutated in place, only replaced (updates work on a
deep copy). So a shallow copy of the tables is a consistent snapshot, and documents may
share sub-objects with older versions of themselves.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, Protocol

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.storages import Storage
from tinydb.table import Table

from ..errors import StoreError
from .snapshot import Tables

# (table, doc_id, doc): doc None deletes; doc_id None drops the table; table None drops all.
Change = tuple[str | None, str | None, dict[str, Any] | None]
Fields = Mapping[str, Any] | Callable[[MutableMapping[str, Any]], None]

_MISSING: Any = object()


class ChangeSink(Protocol):
    def record(self, changes: Sequence[Change]) -> None:
        """Journal ``changes``; raise without side effects when they cannot be encoded."""


class TableLoader(Protocol):
    """Reads a table kept on disk until first used (`snapshot.LAZY_TABLES`)."""

    def ensure_loaded(self, name: str) -> None: ...

    def forget_lazy(self, name: str | None) -> None: ...


class _NothingLazy:
    def ensure_loaded(self, name: str) -> None:
        return None

    def forget_lazy(self, name: str | None) -> None:
        return None


class LiveStorage(Storage):
    def __init__(self, tables: Tables, sink: ChangeSink, loader: TableLoader | None = None) -> None:
        self.tables = tables
        self.sink = sink
        self.loader: TableLoader = loader or _NothingLazy()

    def read(self) -> Tables:
        return self.tables

    def write(self, data: Tables) -> None:
        raise StoreError("the store's tables are changed through their table API only")


class _Tracked(MutableMapping[str, Any]):
    """A table's live dict that remembers the original value of every key it changes."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.undo: dict[str, Any] = {}
        self.cleared = False

    def _remember(self, key: str) -> None:
        if key not in self.undo:
            self.undo[key] = self.data.get(key, _MISSING)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._remember(key)
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self.data:
            raise KeyError(key)
        self._remember(key)
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def clear(self) -> None:
        for key in self.data:
            self._remember(key)
        self.data.clear()
        self.cleared = True

    def changes(self, table: str) -> list[Change]:
        if self.cleared:  # everything left was set after the clear: in the live order
            return [(table, None, None), *((table, key, doc) for key, doc in self.data.items())]
        out: list[Change] = []
        for key in self.undo:
            doc = self.data.get(key)
            if doc is not None or not self.cleared:
                out.append((table, key, doc))
        return out

    def rollback(self) -> None:
        for key, old in self.undo.items():
            if old is _MISSING:
                self.data.pop(key, None)
            else:
                self.data[key] = old


class JournaledTable(Table):
    """A TinyDB table with string ids whose changes are made in place and journaled."""

    document_id_class = str  # type: ignore[assignment]

    @property
    def live(self) -> LiveStorage:
        storage = self._storage
        assert isinstance(storage, LiveStorage)
        return storage

    def docs(self) -> dict[str, dict[str, Any]]:
        """The live documents by id, in insertion order: to read, never to change."""
        self.live.loader.ensure_loaded(self.name)
        return self.live.tables.get(self.name, {})

    def _read_table(self) -> dict[str, Mapping[str, Any]]:
        self.live.loader.ensure_loaded(self.name)
        return super()._read_table()

    def _get_next_id(self) -> str:
        return uuid.uuid4().hex

    def _update_table(self, updater: Callable[[Any], None]) -> None:
        self.live.loader.ensure_loaded(self.name)
        tables = self.live.read()
        raw = tables.get(self.name)
        created = raw is None
        if raw is None:
            raw = {}
        tracked = _Tracked(raw)
        try:
            updater(tracked)
            if created and tracked.undo:
                tables[self.name] = raw
            changes = tracked.changes(self.name)
            if changes:
                self.live.sink.record(changes)
        except BaseException:
            tracked.rollback()
            if created:
                tables.pop(self.name, None)
            raise
        finally:
            self.clear_cache()

    # TinyDB's update mutates documents in place; these replace them by updated copies.

    def update(  # type: ignore[override]
        self,
        fields: Fields,
        cond: QueryLike | None = None,
        doc_ids: Iterable[str] | None = None,
    ) -> list[str]:
        updated: list[str] = []

        def updater(table: MutableMapping[str, Any]) -> None:
            if doc_ids is not None:
                targets = [str(i) for i in doc_ids if str(i) in table]
            elif cond is not None:
                targets = [i for i, doc in table.items() if cond(doc)]
            else:
                targets = list(table)
            for doc_id in targets:
                table[doc_id] = _updated(table[doc_id], fields)
            updated.extend(targets)

        self._update_table(updater)
        return updated

    def update_multiple(  # type: ignore[override]
        self, updates: Iterable[tuple[Fields, QueryLike]]
    ) -> list[str]:
        updated: list[str] = []
        pairs = list(updates)

        def updater(table: MutableMapping[str, Any]) -> None:
            for doc_id in list(table):
                for fields, cond in pairs:
                    if cond(table[doc_id]):
                        updated.append(doc_id)
                        table[doc_id] = _updated(table[doc_id], fields)

        self._update_table(updater)
        return updated

    def put(self, doc_id: str, doc: Mapping[str, Any]) -> None:
        """Insert or replace the document ``doc_id``."""
        value = dict(doc)

        def updater(table: MutableMapping[str, Any]) -> None:
            table[doc_id] = value

        self._update_table(updater)

    def delete(self, doc_id: str) -> bool:
        """Remove the document ``doc_id``; whether it was there."""
        found: list[bool] = []

        def updater(table: MutableMapping[str, Any]) -> None:
            if doc_id in table:
                del table[doc_id]
                found.append(True)

        self._update_table(updater)
        return bool(found)

    def delete_many(self, doc_ids: Iterable[str]) -> list[str]:
        """Remove the documents ``doc_ids`` that exist; their ids."""
        wanted = list(doc_ids)
        removed: list[str] = []

        def updater(table: MutableMapping[str, Any]) -> None:
            for doc_id in wanted:
                if doc_id in table:
                    del table[doc_id]
                    removed.append(doc_id)

        self._update_table(updater)
        return removed

    def insert_new(self, doc_id: str, doc: Mapping[str, Any]) -> None:
        """Insert ``doc`` under ``doc_id``; ValueError if that id is taken."""
        value = dict(doc)

        def updater(table: MutableMapping[str, Any]) -> None:
            if doc_id in table:
                raise ValueError(f"Document with ID {doc_id} already exists")
            table[doc_id] = value

        self._update_table(updater)


def _updated(doc: Mapping[str, Any], fields: Fields) -> dict[str, Any]:
    new = copy.deepcopy(dict(doc))
    if callable(fields):
        fields(new)
    else:
        new.update(fields)
    return new


class StoreDB(TinyDB):
    """TinyDB over a ``LiveStorage``; dropping tables is journaled too."""

    table_class = JournaledTable

    def __init__(self, storage: LiveStorage) -> None:
        super().__init__(storage=lambda: storage)
        self.live = storage

    def table(self, name: str, **kwargs: Any) -> JournaledTable:
        table = super().table(name, **kwargs)
        assert isinstance(table, JournaledTable)
        return table

    def drop_table(self, name: str) -> None:
        self.live.loader.ensure_loaded(name)  # so that the drop is journaled
        self._tables.pop(name, None)
        if name in self.live.tables:
            self.live.sink.record([(name, None, None)])
            del self.live.tables[name]

    def drop_tables(self) -> None:
        self.live.sink.record([(None, None, None)])
        self.live.loader.forget_lazy(None)
        self.live.tables.clear()
        self._tables.clear()
