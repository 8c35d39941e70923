"""The snapshot and loading a store's state: snapshot plus replay of newer journals.

Format 2 (this one): ``store.json`` is a small manifest, ``{"_entente_store": {"format": 2,
"seq", "generation", "tables": {name: {"file", "count", "bytes"}}}}``, and each table is
its own file, ``tables/<name>.<generation>.json`` (TinyDB's layout of one table,
``{doc_id: doc}``). A compaction rewrites only the tables changed since the last one, then
replaces the manifest by rename: a crash before leaves the old manifest and its files, whole.
``seq`` is the last journal sequence number the snapshot contains, ``generation`` the journal
generation that follows it; journals of older generations are wholly contained in it.

Opening reads the manifest and the small tables; the big ones (`LAZY_TABLES`: the
interactions) are read on first use. Their file is held open from the start, so a compaction
that deletes it meanwhile changes nothing for this reader, and the journal entries for them
are kept aside until then. So opening costs what the small tables cost, whatever the number
of stored interactions: ``entente mock`` (fixtures) and the daemon's start read none.

Format 1 (before): ``store.json`` held every table inline. It still opens (all eagerly), and
a writer's compactor migrates it in the background after open: one compaction to format 2,
atomic as any other (retried after a failure; until then the store works on in format 1).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import StoreError
from .fsutil import atomic_write
from .journal import Entry, dumps, journal_path, list_generations, parse_journal
from .rows import DERIVED, ROWS_TABLE

META_KEY = "_entente_store"
SNAPSHOT_NAME = "store.json"
TABLES_DIR = "tables"
FORMAT = 2
READABLE_FORMATS = (1, 2)
LAZY_TABLES = frozenset({"interactions", ROWS_TABLE})
INDEXED_TABLES = frozenset({"interactions"})  # lazy tables whose documents are read alone
_CHUNK = 500
_TABLE_FILE = re.compile(r"^tables/[A-Za-z0-9_]+\.\d+\.json$")
_INDEX_FILE = re.compile(r"^tables/[A-Za-z0-9_]+\.\d+\.idx\.json$")
#: What `LazyTable.peek` answers when only reading the whole table can tell.
UNKNOWN: Any = object()

Tables = dict[str, dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class TableFile:
    """One table's snapshot file (relative to the store's folder), its documents and size.
    ``index``: for a lazy table, the file of each document's place in it (``{id: [start,
    length]}``), so that one document can be read alone (`LazyTable.peek`)."""

    file: str
    count: int
    bytes: int
    index: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "count": self.count, "bytes": self.bytes}
        if self.index is not None:
            out["index"] = self.index
        return out


@dataclass
class LazyTable:
    """A table not read yet: its snapshot file, held open, and the journal entries after
    the snapshot, applied once it is read. ``handle`` None: it starts empty."""

    handle: IO[bytes] | None
    count: int
    entries: list[Entry] = field(default_factory=list)
    dropped: bool = False  # the journal (or a caller) dropped it: its file no longer counts
    index_handle: IO[bytes] | None = None  # its documents' places (`TableFile.index`)
    _offsets: dict[str, list[int]] | None = None

    @property
    def exact_count(self) -> int | None:
        """The number of documents, when known without reading (no journal entries)."""
        return None if self.entries else self.count

    def drop(self) -> None:
        """Dropped: it starts empty. The handle stays open (another thread may be reading
        it); `close` closes it when the store closes."""
        self.dropped = True
        self.count = 0
        self.entries = []

    def read(self, path: Path) -> dict[str, dict[str, Any]]:
        """The table's documents: the file's, with the journal entries applied. Safe from
        several threads at once (positional reads of the handle)."""
        docs: dict[str, dict[str, Any]] = {}
        if self.handle is not None and not self.dropped:
            fd = self.handle.fileno()
            size = os.fstat(fd).st_size
            raw = os.pread(fd, size, 0)
            while len(raw) < size:
                more = os.pread(fd, size - len(raw), len(raw))
                if not more:
                    break
                raw += more
            docs = _parse_table(raw, path)
        for entry in self.entries:
            if entry.doc_id is None:
                docs = {}
            elif entry.doc is None:
                docs.pop(entry.doc_id, None)
            else:
                docs[entry.doc_id] = entry.doc
        return docs

    def peek(self, doc_id: str) -> Any:
        """One document without reading the table: the journal's last word on it, else its
        bytes in the file found through the index (None: not there). `UNKNOWN` when the
        file has no index (written before indexes existed): then only reading it all tells."""
        for entry in reversed(self.entries):
            if entry.doc_id == doc_id:
                return entry.doc
        if self.dropped or self.handle is None:
            return None
        offsets = self._places()
        if offsets is None:
            return UNKNOWN
        place = offsets.get(doc_id)
        if place is None:
            return None
        start, length = place
        raw = os.pread(self.handle.fileno(), length, start)
        found = json.loads(b"{" + raw + b"}").get(doc_id)
        return found if isinstance(found, dict) else None

    def _places(self) -> dict[str, list[int]] | None:
        if self._offsets is None and self.index_handle is not None:
            fd = self.index_handle.fileno()
            parsed = json.loads(os.pread(fd, os.fstat(fd).st_size, 0))
            self._offsets = parsed if isinstance(parsed, dict) else {}
        return self._offsets

    def close(self) -> None:
        for handle in (self.handle, self.index_handle):
            if handle is not None:
                handle.close()
        self.handle = self.index_handle = None
        self._offsets = None


@dataclass
class LoadedState:
    tables: Tables
    seq: int  # the last sequence number applied
    generation: int  # the snapshot's generation: journals from it on were replayed
    snapshot_bytes: int
    journal_bytes: int  # the size of the journals replayed
    damaged_lines: int  # journal lines skipped (a torn tail after a crash is one)
    lazy: dict[str, LazyTable] = field(default_factory=dict)
    files: dict[str, TableFile] = field(default_factory=dict)  # the snapshot's tables
    format: int = FORMAT  # 0: no snapshot yet
    complete: set[str] = field(default_factory=set)  # derived tables wholly derived (`rows`)

    def close(self) -> None:
        for table in self.lazy.values():
            table.close()


class _ChangedWhileReading(Exception):
    pass


def table_file_name(name: str, generation: int) -> str:
    safe = name if re.fullmatch(r"[a-z0-9_]+", name) else "x_" + name.encode().hex()
    return f"{TABLES_DIR}/{safe}.{generation}.json"


def index_file_name(name: str, generation: int) -> str:
    return table_file_name(name, generation).removesuffix(".json") + ".idx.json"


def encode_indexed_table(table: dict[str, Any], places: dict[str, list[int]]) -> Iterator[bytes]:
    """As `encode_table` (the same JSON), noting each document's ``[start, length]`` in
    ``places``: the bytes of ``"id":{...}``, so that one can be read alone."""
    yield b"{"
    position = 1
    items = list(table.items())
    for start in range(0, len(items), _CHUNK):
        pieces = []
        for doc_id, doc in items[start : start + _CHUNK]:
            piece = dumps({doc_id: doc})[1:-1]
            if position > 1:
                position += 1  # the comma before it
            places[doc_id] = [position, len(piece)]
            position += len(piece)
            pieces.append(piece)
        joined = b",".join(pieces)
        yield b"," + joined if start else joined
    yield b"}"


def encode_table(table: dict[str, Any]) -> Iterator[bytes]:
    """A table's JSON in pieces of at most ``_CHUNK`` documents.

    Encoding piecewise lets other threads run in between (one ``json.dumps`` of a large
    table would hold the GIL throughout) and never holds the whole file in memory.
    """
    yield b"{"
    items = list(table.items())
    for start in range(0, len(items), _CHUNK):
        piece = dumps(dict(items[start : start + _CHUNK]))[1:-1]
        yield b"," + piece if start else piece
    yield b"}"


def write_tables(directory: Path, tables: Tables, generation: int) -> dict[str, TableFile]:
    """Write each table to its own file (atomically); their entries for the manifest."""
    folder = directory / TABLES_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    written: dict[str, TableFile] = {}
    for name, table in tables.items():
        relative = table_file_name(name, generation)
        if name not in INDEXED_TABLES:
            size = atomic_write(directory / relative, encode_table(table))
            written[name] = TableFile(relative, len(table), size)
            continue
        places: dict[str, list[int]] = {}
        size = atomic_write(directory / relative, encode_indexed_table(table, places))
        index = index_file_name(name, generation)
        size += atomic_write(directory / index, [dumps(places)])
        written[name] = TableFile(relative, len(table), size, index)
    return written


def encode_manifest(files: dict[str, TableFile], seq: int, generation: int) -> bytes:
    tables = {name: entry.to_json() for name, entry in files.items()}
    meta = {"format": FORMAT, "seq": seq, "generation": generation, "tables": tables}
    return dumps({META_KEY: meta})


def write_snapshot(directory: Path, chunks: Iterable[bytes]) -> int:
    """Atomically replace the manifest (``store.json``); returns its size."""
    return atomic_write(directory / SNAPSHOT_NAME, chunks)


def unreferenced_table_files(directory: Path, files: dict[str, TableFile]) -> list[Path]:
    """Files in ``tables/`` the manifest does not name (older generations, leftovers)."""
    keep = {entry.file for entry in files.values()}
    keep.update(entry.index for entry in files.values() if entry.index is not None)
    try:
        names = os.listdir(directory / TABLES_DIR)
    except FileNotFoundError:
        return []
    return [directory / TABLES_DIR / name for name in names if f"{TABLES_DIR}/{name}" not in keep]


def apply_derived(
    tables: Tables,
    table: str | None,
    doc_id: str | None,
    doc: dict[str, Any] | None,
    lazy: dict[str, LazyTable] | None = None,
) -> str | None:
    """Apply one change of ``table`` (as journaled: doc None deletes, doc_id None drops the
    table; table None drops all, which the caller does) to its derived table (`rows.DERIVED`)
    in ``tables``, or to its entries when it is a lazy table not read yet; the derived
    table's name, None when ``table`` has none."""
    found = DERIVED.get(table) if table is not None else None
    if found is None:
        return None
    derived, make = found
    pending = None if lazy is None else lazy.get(derived)
    if pending is not None:
        if doc_id is None:
            pending.drop()
        else:
            made = None if doc is None else make(doc)
            pending.entries.append(Entry(0, derived, doc_id, made))
    elif doc_id is None:
        tables.pop(derived, None)
    elif doc is None:
        tables.get(derived, {}).pop(doc_id, None)
    else:
        tables.setdefault(derived, {})[doc_id] = make(doc)
    return derived


def apply_entry(tables: Tables, entry: Entry, lazy: dict[str, LazyTable] | None = None) -> None:
    lazy = lazy if lazy is not None else {}
    apply_derived(tables, entry.table, entry.doc_id, entry.doc, lazy)
    if entry.table is None:
        tables.clear()
        for table in lazy.values():
            table.drop()
    elif entry.table in lazy:
        if entry.doc_id is None:
            lazy[entry.table].drop()
        else:
            lazy[entry.table].entries.append(entry)
    elif entry.doc_id is None:
        tables.pop(entry.table, None)
    elif entry.doc is None:
        tables.get(entry.table, {}).pop(entry.doc_id, None)
    else:
        tables.setdefault(entry.table, {})[entry.doc_id] = entry.doc


def _parse_table(raw: bytes, path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StoreError(f"{path}: not a valid store table ({exc})") from exc
    if not isinstance(data, dict):
        raise StoreError(f"{path}: a store table is a JSON object")
    return data


@dataclass
class _Snapshot:
    tables: Tables
    seq: int
    generation: int
    format: int
    files: dict[str, TableFile]


def parse_snapshot(raw: bytes, path: Path) -> _Snapshot:
    """A snapshot's content: format 1 (tables inline) or 2 (a manifest of table files)."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StoreError(f"{path}: not a valid store snapshot ({exc})") from exc
    meta = data.pop(META_KEY, None) if isinstance(data, dict) else None
    if (
        not isinstance(meta, dict)
        or meta.get("format") not in READABLE_FORMATS
        or not isinstance(meta.get("seq"), int)
        or not isinstance(meta.get("generation"), int)
    ):
        raise StoreError(f"{path}: not a store snapshot of format {FORMAT} (or 1)")
    files: dict[str, TableFile] = {}
    if meta["format"] == 2:
        listed = meta.get("tables")
        if not isinstance(listed, dict):
            raise StoreError(f"{path}: the manifest lists no tables")
        for name, entry in listed.items():
            try:
                index = entry.get("index")
                files[name] = TableFile(
                    str(entry["file"]),
                    int(entry["count"]),
                    int(entry["bytes"]),
                    None if index is None else str(index),
                )
            except (KeyError, TypeError, ValueError, AttributeError):
                raise StoreError(f"{path}: table {name!r} is not listed right") from None
            listed_files = [files[name].file]
            if files[name].index is not None and not _INDEX_FILE.match(files[name].index or ""):
                raise StoreError(f"{path}: table {name!r} names an odd index {index!r}")
            if not all(_TABLE_FILE.match(f) for f in listed_files):
                raise StoreError(f"{path}: table {name!r} names an odd file {files[name].file!r}")
        data = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise StoreError(f"{path}: table {name!r} is not an object")
    return _Snapshot(data, meta["seq"], meta["generation"], meta["format"], files)


def load_state(directory: Path, *, attempts: int = 50) -> LoadedState:
    """Read the snapshot and replay the journals after it.

    A writer may compact while this runs (replace the manifest, then delete the table files
    and journals it no longer needs). The manifest and the table files are held open while
    reading, so their inodes cannot be reused: if ``store.json`` names another inode at the
    end, or a file vanished, read again.
    """
    for _ in range(attempts):
        try:
            return _load_once(directory)
        except _ChangedWhileReading:
            continue
    raise StoreError(f"{directory}: the store kept changing while being read; try again")


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _open_tables(
    directory: Path, files: dict[str, TableFile], tables: Tables, lazy: dict[str, LazyTable]
) -> None:
    """Read the small tables into ``tables``; open the lazy ones into ``lazy``."""
    for name, entry in files.items():
        path = directory / entry.file
        try:
            handle = open(path, "rb")  # noqa: SIM115 - a lazy table's stays open until read
        except FileNotFoundError:
            raise _ChangedWhileReading from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot read the store ({exc.strerror})") from exc
        if name in LAZY_TABLES:
            lazy[name] = LazyTable(handle, entry.count)
            if entry.index is not None:
                try:
                    lazy[name].index_handle = open(directory / entry.index, "rb")  # noqa: SIM115
                except FileNotFoundError:
                    raise _ChangedWhileReading from None
                except OSError as exc:
                    raise StoreError(f"{path}: cannot read the store ({exc.strerror})") from exc
            continue
        with handle:
            tables[name] = _parse_table(handle.read(), path)


def _derive_at_load(tables: Tables, files: dict[str, TableFile], found_format: int) -> set[str]:
    """The derived tables complete once loaded: those the snapshot has a file of, or whose
    source has none (all its documents came from the journal, which derived them); in the
    inline layout (format 1), derived here from the source, read already."""
    complete: set[str] = set()
    for source, (derived, make) in DERIVED.items():
        if found_format == 1 and source in tables:
            docs = tables.get(source, {})
            tables[derived] = {doc_id: make(doc) for doc_id, doc in docs.items()}
            complete.add(derived)
        elif derived in files or source not in files:
            complete.add(derived)
    return complete


def _load_once(directory: Path) -> LoadedState:
    path = directory / SNAPSHOT_NAME
    try:
        handle = open(path, "rb")  # noqa: SIM115 - held open across the journal replay
    except FileNotFoundError:
        handle = None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store ({exc.strerror})") from exc
    lazy: dict[str, LazyTable] = {}
    try:
        tables: Tables = {}
        files: dict[str, TableFile] = {}
        inode, seq, generation, snapshot_bytes, found_format = None, 0, 0, 0, 0
        if handle is not None:
            inode = os.fstat(handle.fileno()).st_ino
            raw = handle.read()
            snapshot = parse_snapshot(raw, path)
            tables, seq, generation = snapshot.tables, snapshot.seq, snapshot.generation
            files, found_format = snapshot.files, snapshot.format
            _open_tables(directory, files, tables, lazy)
            snapshot_bytes = len(raw) + sum(entry.bytes for entry in files.values())
        for name in LAZY_TABLES:
            if name not in lazy and found_format != 1:
                lazy[name] = LazyTable(None, 0)  # no file yet: it starts empty
        journal_bytes = damaged = 0
        for gen in list_generations(directory):
            if gen < generation:
                continue
            try:
                raw = journal_path(directory, gen).read_bytes()
            except FileNotFoundError:
                raise _ChangedWhileReading from None
            except OSError as exc:
                raise StoreError(
                    f"{journal_path(directory, gen)}: cannot read the journal ({exc.strerror})"
                ) from exc
            journal_bytes += len(raw)
            entries, skipped = parse_journal(raw)
            damaged += skipped
            for entry in entries:
                if entry.seq > seq:
                    apply_entry(tables, entry, lazy)
                    seq = entry.seq
        if _inode(path) != inode:
            raise _ChangedWhileReading
        state = LoadedState(
            tables, seq, generation, snapshot_bytes, journal_bytes, damaged, lazy, files
        )
        state.format = found_format
        state.complete = _derive_at_load(tables, files, found_format)
        lazy = {}  # handed over
        return state
    finally:
        for table in lazy.values():
            table.close()
        if handle is not None:
            handle.close()
