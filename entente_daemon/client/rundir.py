"""The daemon's private ``run/`` folder and the lock that makes it one daemon per home.

The control socket's safety rests on this folder: mode 0700, owned by the user, so that no
one else can reach the socket or replace it. A folder owned by someone else, or writable
by group or world, is refused rather than repaired: someone may already have planted files.

Here in the client package because ``entente-daemon start`` prepares the folder and clears a
dead daemon's files before it launches one; the daemon takes the lock from here too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from entente_daemon.errors import EntenteError
from entente_daemon.pidlock import lock_within, write_pid

from .runtime import RunPaths, lock_holder_pid, read_runtime_info

# sun_path is 108 bytes on Linux (104 on macOS), with the terminating NUL.
MAX_SOCKET_PATH = 103
_LOCK_RETRY = 0.25  # seconds: a client probing the lock holds it for an instant


class RunDirError(EntenteError):
    """The run folder is unsafe or unusable."""


class AlreadyRunning(EntenteError):
    """Another daemon holds this home's lock."""

    def __init__(self, paths: RunPaths, pid: int | None) -> None:
        self.pid = pid
        who = f"pid {pid}" if pid else "another process"
        super().__init__(
            f"an Entente daemon is already running for {paths.home} ({who}, socket "
            f"{paths.socket}); `entente-daemon stop` stops it"
        )


def prepare_run_dir(paths: RunPaths) -> Path:
    """Create ``run/`` (0700) or check that the existing one is safe; its path."""
    run = paths.run
    try:
        paths.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            info = os.lstat(run)
        except FileNotFoundError:
            os.mkdir(run, 0o700)
            info = os.lstat(run)
    except OSError as exc:
        raise RunDirError(
            f"{run}: cannot create the daemon's run folder ({exc.strerror})"
        ) from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise RunDirError(f"{run}: is not a folder (a symlink or a file); remove it")
    if info.st_uid != os.getuid():
        raise RunDirError(
            f"{run}: is owned by user id {info.st_uid}, not by you ({os.getuid()}); "
            "the daemon will not put its socket there. Remove it or set ENTENTE_HOME"
        )
    if info.st_mode & 0o022:
        raise RunDirError(
            f"{run}: is writable by group or others (mode {stat.S_IMODE(info.st_mode):04o}), "
            f"so someone else could replace the daemon's socket. Check its content, then "
            f"`chmod 700 {run}`"
        )
    os.chmod(run, 0o700)
    if len(os.fsencode(paths.socket)) > MAX_SOCKET_PATH:
        raise RunDirError(
            f"{paths.socket}: the path is too long for a Unix socket "
            f"({len(os.fsencode(paths.socket))} bytes, at most {MAX_SOCKET_PATH}); "
            "set ENTENTE_HOME to a shorter folder"
        )
    return run


class DaemonLock:
    """The ``flock`` on ``run/daemon.lock`` that a daemon holds for its whole life.

    The kernel drops it when the process dies, however it dies; so two daemons racing to
    start cannot both run, and a dead daemon's files are recognised as stale.
    """

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, paths: RunPaths, *, wait: float = _LOCK_RETRY) -> DaemonLock:
        """Take the lock (retrying for ``wait`` seconds) or raise `AlreadyRunning`."""
        fd = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                locked = lock_within(fd, wait)
            except OSError as exc:
                raise RunDirError(f"{paths.lock}: cannot lock ({exc.strerror})") from None
            if not locked:
                info = read_runtime_info(paths)
                raise AlreadyRunning(paths, info.pid if info else lock_holder_pid(paths))
            write_pid(fd)
        except BaseException:
            os.close(fd)
            raise
        return cls(fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def remove_runtime_files(paths: RunPaths) -> None:
    """Remove the socket, pid, runtime and token files; call while holding the lock."""
    for path in (paths.info, paths.pid, paths.token, paths.socket):
        path.unlink(missing_ok=True)


def clean_stale(paths: RunPaths) -> bool:
    """Remove a dead daemon's leftover files, under the lock (so never a live daemon's);
    whether there were any. False, and nothing done, when a daemon holds the lock."""
    leftovers = [p for p in (paths.info, paths.pid, paths.socket, paths.token) if p.exists()]
    if not leftovers or not paths.run.is_dir():
        return False
    try:
        lock = DaemonLock.acquire(paths, wait=0.0)
    except AlreadyRunning:
        return False
    try:
        remove_runtime_files(paths)
    finally:
        lock.release()
    return True
