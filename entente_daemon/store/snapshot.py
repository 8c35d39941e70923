"""The snapshot file and loading a store's state: snapshot plus replay of newer journals.

``store.json`` has TinyDB's JSON layout (``{table: {doc_id: doc}}``) plus the reserved key
``_entente_store`` holding the last journal sequence number it contains and the journal
generation that follows it. Journals of older generations are wholly contained in it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .fsutil import atomic_write
from .journal import Entry, dumps, journal_path, list_generations, parse_journal

META_KEY = "_entente_store"
SNAPSHOT_NAME = "store.json"
FORMAT = 1
_CHUNK = 500

Tables = dict[str, dict[str, dict[str, Any]]]


@dataclass
class LoadedState:
    tables: Tables
    seq: int  # the last sequence number applied
    generation: int  # the snapshot's generation: journals from it on were replayed
    snapshot_bytes: int
    journal_bytes: int  # the size of the journals replayed
    damaged_lines: int  # journal lines skipped (a torn tail after a crash is one)


class _ChangedWhileReading(Exception):
    pass


def encode_snapshot(tables: Tables, seq: int, generation: int) -> Iterator[bytes]:
    """The snapshot's JSON in pieces of at most ``_CHUNK`` documents.

    Encoding piecewise lets other threads run in between (one ``json.dumps`` of a large
    store would hold the GIL throughout) and never holds the whole file in memory.
    """
    meta = {"format": FORMAT, "seq": seq, "generation": generation}
    yield b"{" + dumps(META_KEY) + b":" + dumps(meta)
    for name, table in tables.items():
        yield b"," + dumps(name) + b":{"
        items = list(table.items())
        for start in range(0, len(items), _CHUNK):
            piece = dumps(dict(items[start : start + _CHUNK]))[1:-1]
            yield b"," + piece if start else piece
        yield b"}"
    yield b"}"


def write_snapshot(directory: Path, chunks: Iterable[bytes]) -> int:
    """Atomically replace the snapshot; returns its size."""
    return atomic_write(directory / SNAPSHOT_NAME, chunks)


def apply_entry(tables: Tables, entry: Entry) -> None:
    if entry.table is None:
        tables.clear()
    elif entry.doc_id is None:
        tables.pop(entry.table, None)
    elif entry.doc is None:
        tables.get(entry.table, {}).pop(entry.doc_id, None)
    else:
        tables.setdefault(entry.table, {})[entry.doc_id] = entry.doc


def parse_snapshot(raw: bytes, path: Path) -> tuple[Tables, int, int]:
    """The tables, sequence number and generation of a snapshot's content."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StoreError(f"{path}: not a valid store snapshot ({exc})") from exc
    meta = data.pop(META_KEY, None) if isinstance(data, dict) else None
    if (
        not isinstance(meta, dict)
        or meta.get("format") != FORMAT
        or not isinstance(meta.get("seq"), int)
        or not isinstance(meta.get("generation"), int)
    ):
        raise StoreError(f"{path}: not a store snapshot of format {FORMAT}")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise StoreError(f"{path}: table {name!r} is not an object")
    return data, meta["seq"], meta["generation"]


def load_state(directory: Path, *, attempts: int = 50) -> LoadedState:
    """Read the snapshot and replay the journals after it.

    A writer may compact while this runs (replace the snapshot, then delete the journals it
    contains). The snapshot file is kept open while reading, so its inode cannot be reused:
    if ``store.json`` names another inode at the end, or a journal vanished, read again.
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


def _load_once(directory: Path) -> LoadedState:
    path = directory / SNAPSHOT_NAME
    try:
        handle = open(path, "rb")  # noqa: SIM115 - held open across the journal replay
    except FileNotFoundError:
        handle = None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store ({exc.strerror})") from exc
    try:
        tables: Tables = {}
        inode, seq, generation, snapshot_bytes = None, 0, 0, 0
        if handle is not None:
            inode = os.fstat(handle.fileno()).st_ino
            raw = handle.read()
            snapshot_bytes = len(raw)
            tables, seq, generation = parse_snapshot(raw, path)
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
                    apply_entry(tables, entry)
                    seq = entry.seq
        if _inode(path) != inode:
            raise _ChangedWhileReading
        return LoadedState(tables, seq, generation, snapshot_bytes, journal_bytes, damaged)
    finally:
        if handle is not None:
            handle.close()
