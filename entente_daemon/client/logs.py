"""Reading the daemon's log back (``daemon.log`` in the Entente home; the daemon writes and
rotates it): its last lines for ``entente-daemon logs`` and for a failed start's message, and
following it."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path


def tail(file: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of ``file`` (empty when it does not exist)."""
    if lines <= 0:
        return []
    try:
        with file.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            block, data = 8192, b""
            while size > 0 and data.count(b"\n") <= lines:
                step = min(block, size)
                size -= step
                handle.seek(size)
                data = handle.read(step) + data
    except FileNotFoundError:
        return []
    text = data.decode("utf-8", errors="replace")
    return list(deque(text.splitlines(), maxlen=lines))


def follow(file: Path, *, poll: float = 0.25) -> Iterator[str]:
    """Lines appended to ``file`` from now on, forever; follows it across rotation."""
    handle = None
    inode = None
    try:
        while True:
            if handle is None:
                try:
                    handle = file.open("r", encoding="utf-8", errors="replace")
                    inode = os.fstat(handle.fileno()).st_ino
                    handle.seek(0, os.SEEK_END)
                except FileNotFoundError:
                    handle = None
            if handle is not None:
                line = handle.readline()
                while line:
                    yield line.rstrip("\n")
                    line = handle.readline()
                try:
                    rotated = os.stat(file).st_ino != inode
                except FileNotFoundError:
                    rotated = True
                if rotated:
                    handle.close()
                    handle = None
                    try:
                        handle = file.open("r", encoding="utf-8", errors="replace")
                        inode = os.fstat(handle.fileno()).st_ino
                    except FileNotFoundError:
                        handle = None
                    continue
            time.sleep(poll)  # a log tail polls: there is nothing to wait on
    finally:
        if handle is not None:
            handle.close()
