"""The writer lock: one process at a time may write a store.

An exclusive ``flock`` on ``writer.lock``, held for as long as the store is open for
writing. The kernel drops it when the holder dies, even by ``kill -9``, so it never goes
stale. The holder writes its pid into the file so that a waiting writer can say who it is.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import StoreError
from ..pidlock import lock_within, write_pid

LOCK_NAME = "writer.lock"
_POLL = 0.02


class WriterLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, directory: Path, timeout: float) -> WriterLock:
        """Take the lock, waiting up to ``timeout`` seconds for another writer to let go."""
        path = directory / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the store's lock file ({exc.strerror})") from exc
        try:
            try:
                locked = lock_within(fd, timeout, poll=_POLL)
            except OSError as exc:
                raise StoreError(f"{path}: cannot lock the store ({exc.strerror})") from exc
            if not locked:
                holder = read_holder(path)
                who = f"process {holder}" if holder else "another process"
                raise StoreError(
                    f"{directory}: the store is open for writing by {who} "
                    f"(waited {timeout:g}s for {path}); stop it or open the store read-only"
                )
            write_pid(fd)
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock


def read_holder(path: Path) -> int | None:
    """The pid written in a lock file, or None when it is empty or unreadable."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
