"""The daemon's log: ``daemon.log`` in the Entente home, rotated; and reading it back."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3


def setup_logging(file: Path, *, level: int = logging.INFO, to_stderr: bool = False) -> None:
    """Send the daemon's log records (its own, the store's, uvicorn's) to ``file``."""
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)  # created owner-only before the handler opens it
    handlers: list[logging.Handler] = [
        RotatingFileHandler(file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    ]
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    formatter = logging.Formatter(LOG_FORMAT)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)


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
