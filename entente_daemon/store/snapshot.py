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
a writer migrates it on open: one compaction to format 2, atomic as any other.
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

META_KEY = "_entente_store"
SNAPSHOT_NAME = "store.json"
TABLES_DIR = "tables"
FORMAT = 2
READABLE_FORMATS = (1, 2)
LAZY_TABLES = frozenset({"interactions"})
_CHUNK = 500
_TABLE_FILE = re.compile(r"^tables/[A-Za-z0-9_]+\.\d+\.json$")

Tables = dict[str, dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class TableFile:
    """One table's snapshot file (relative to the store's folder), its documents and size."""

    file: str
    count: int
    bytes: int

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "count": self.count, "bytes": self.bytes}


@dataclass
class LazyTable:
    """A table not read yet: its snapshot file, held open, and the journal entries after
    the snapshot, applied once it is read. ``handle`` None: it starts empty."""

    handle: IO[bytes] | None
    count: int
    entries: list[Entry] = field(default_factory=list)
    dropped: bool = False  # the journal (or a caller) dropped it: its file no longer counts

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

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


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

    def close(self) -> None:
        for table in self.lazy.values():
            table.close()


class _ChangedWhileReading(Exception):
    pass


def table_file_name(name: str, generation: int) -> str:
    safe = name if re.fullmatch(r"[a-z0-9_]+", name) else "x_" + name.encode().hex()
    return f"{TABLES_DIR}/{safe}.{generation}.json"


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
        size = atomic_write(directory / relative, encode_table(table))
        written[name] = TableFile(relative, len(table), size)
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
    try:
        names = os.listdir(directory / TABLES_DIR)
    except FileNotFoundError:
        return []
    return [directory / TABLES_DIR / name for name in names if f"{TABLES_DIR}/{name}" not in keep]


def apply_entry(tables: Tables, entry: Entry, lazy: dict[str, LazyTable] | None = None) -> None:
    lazy = lazy if lazy is not None else {}
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
                files[name] = TableFile(
                    str(entry["file"]), int(entry["count"]), int(entry["bytes"])
                )
            except (KeyError, TypeError, ValueError):
                raise StoreError(f"{path}: table {name!r} is not listed right") from None
            if not _TABLE_FILE.match(files[name].file):
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
            continue
        with handle:
            tables[name] = _parse_table(handle.read(), path)


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
        lazy = {}  # handed over
        return state
    finally:
        for table in lazy.values():
            table.close()
        if handle is not None:
            handle.close()
