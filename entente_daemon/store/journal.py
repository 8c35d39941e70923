"""The write-ahead journal: one JSON change per line, each with a CRC32 of its payload.

A line is ``<crc32 as 8 hex digits> <json>\\n`` where the JSON is
``{"seq": n, "t": table, "id": doc_id, "doc": {...} | null}``: ``doc`` null deletes the
document, ``id`` null drops the table ``t``, and ``t`` null drops every table. A line whose
checksum or JSON does not hold (the torn tail a ``kill -9`` leaves) is skipped on replay.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path
from typing import Any, NamedTuple

from .fsutil import fsync_dir, sync_file, write_all

_NAME = re.compile(r"^journal\.(\d+)\.log$")


class Entry(NamedTuple):
    seq: int
    table: str | None
    doc_id: str | None
    doc: dict[str, Any] | None


def journal_path(directory: Path, generation: int) -> Path:
    return directory / f"journal.{generation}.log"


def list_generations(directory: Path) -> list[int]:
    """The generations of the journal files in ``directory``, oldest first."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    found = (_NAME.match(name) for name in names)
    return sorted(int(match.group(1)) for match in found if match)


def dumps(value: Any) -> bytes:
    """The store's JSON: compact and ASCII-only, so any Python string encodes."""
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def encode_entry(
    seq: int, table: str | None, doc_id: str | None, doc: dict[str, Any] | None
) -> bytes:
    payload = dumps({"seq": seq, "t": table, "id": doc_id, "doc": doc})
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def decode_line(line: bytes) -> Entry | None:
    """The entry of one line (without its newline), or None when the line is damaged."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    payload = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(payload):
            return None
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    seq, table, doc_id, doc = data.get("seq"), data.get("t"), data.get("id"), data.get("doc")
    if (
        not isinstance(seq, int)
        or not isinstance(table, str | None)
        or not isinstance(doc_id, str | None)
        or not isinstance(doc, dict | None)
    ):
        return None
    return Entry(seq, table, doc_id, doc)


def parse_journal(raw: bytes) -> tuple[list[Entry], int]:
    """The valid entries of a journal's content, and how many damaged lines were skipped."""
    lines = raw.split(b"\n")
    tail = lines.pop()  # b"" when the content ends with a newline, else a torn line
    damaged = 1 if tail else 0
    entries: list[Entry] = []
    for line in lines:
        if not line:
            continue
        entry = decode_line(line)
        if entry is None:
            damaged += 1
        else:
            entries.append(entry)
    return entries, damaged


def truncate(fd: int, size: int) -> None:
    os.ftruncate(fd, size)


class JournalWriter:
    """Appends batches to the journal file of the current generation and syncs them.

    A failed batch is cut off again (or, when even that fails, fenced off by starting the
    next batch on a fresh line) so that retrying it never glues a valid line to a torn one.
    """

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._fd: int | None = None
        self._generation: int | None = None
        self._size = 0
        self._fence = False

    def append(self, generation: int, data: bytes) -> int:
        """Append ``data`` to ``journal.<generation>.log`` and sync it; the bytes written."""
        if self._fd is None or self._generation != generation:
            self._open(generation)
        assert self._fd is not None
        chunk = b"\n" + data if self._fence else data
        start = self._size
        try:
            write_all(self._fd, chunk)
            sync_file(self._fd)
        except OSError:
            self._cut(start)
            raise
        self._size = start + len(chunk)
        self._fence = False
        return len(chunk)

    def _open(self, generation: int) -> None:
        self.close()
        path = journal_path(self._directory, generation)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT
        try:
            fd = os.open(path, flags | os.O_EXCL, 0o600)
            created = True
        except FileExistsError:
            fd = os.open(path, flags, 0o600)
            created = False
        try:
            if created:
                fsync_dir(self._directory)
            size = os.fstat(fd).st_size
            self._fence = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._generation, self._size = fd, generation, size

    def _cut(self, start: int) -> None:
        fd, self._fd, self._generation = self._fd, None, None
        if fd is None:
            return
        try:
            truncate(fd, start)
        except OSError:
            pass  # reopening measures the file and fences the torn bytes off
        finally:
            os.close(fd)

    def close(self) -> None:
        fd, self._fd, self._generation = self._fd, None, None
        if fd is not None:
            os.close(fd)
