"""File-system primitives with the durability guarantees the store relies on."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_sync_data = getattr(os, "fdatasync", os.fsync)


def sync_file(fd: int) -> None:
    """Make the data written to ``fd`` durable (``fdatasync`` where the platform has it)."""
    _sync_data(fd)


def fsync_dir(directory: Path) -> None:
    """Make a directory's entries (files created, renamed, removed) durable."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written; a short write is continued, not lost."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write(path: Path, chunks: Iterable[bytes]) -> int:
    """Replace ``path`` by the concatenated ``chunks``; a crash leaves the old or the new file.

    Written aside to ``<name>.tmp.<pid>``, synced, renamed over ``path``, then the directory
    is synced so the rename itself survives a power cut. On error the aside file is removed
    and ``path`` is untouched. Returns the size written.
    """
    tmp = path.with_name(f"{path.name}.tmp.{os.getpid()}")
    size = 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        try:
            for chunk in chunks:
                write_all(fd, chunk)
                size += len(chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return size
