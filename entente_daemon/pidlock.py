"""An exclusive ``flock`` taken within a deadline, with the holder's pid written in the file.

The kernel drops an flock when its holder dies, even by ``kill -9``, so such a lock never goes
stale: the store's writer lock and the daemon's lock are both made of it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time

_BUSY = (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK)


def lock_within(fd: int, timeout: float, *, poll: float = 0.02) -> bool:
    """Take an exclusive lock on ``fd``, retrying for ``timeout`` seconds: False when another
    process still holds it then. Other failures raise `OSError`."""
    deadline = time.monotonic() + max(timeout, 0.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in _BUSY:
                raise
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)


def write_pid(fd: int) -> None:
    """Record this process as the holder."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
