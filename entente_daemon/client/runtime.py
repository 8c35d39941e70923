"""Where a running daemon is described: the files of the Entente home's ``run/`` folder.

Shared by the daemon (which writes them) and its clients (which read them); this module
imports nothing heavier than pydantic, so the TUI may use it.

* ``run/daemon.lock``: an ``flock`` the daemon holds for its whole life, with its pid in
  it. The kernel releases it when the process dies, even by ``kill -9``, so "is the lock
  held" is the ground truth for "is a daemon alive" (a dead daemon's pid may be reused,
  or linger as a zombie).
* ``run/daemon.json``: `RuntimeInfo`, written once the daemon serves.
* ``run/daemon.pid``, ``run/daemon.sock`` (the control socket), ``run/token`` (0600: the
  bearer token of the optional loopback TCP listener).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from entente_daemon.home import entente_home

SOCKET_NAME = "daemon.sock"
INFO_NAME = "daemon.json"
PID_NAME = "daemon.pid"
TOKEN_NAME = "token"
LOCK_NAME = "daemon.lock"
LOG_NAME = "daemon.log"
PROJECTS_NAME = "projects.json"
MOCK_PORTS_NAME = "mock-ports.json"


@dataclass(frozen=True)
class RunPaths:
    """The daemon's files for one Entente home."""

    home: Path

    @classmethod
    def for_home(cls, home: Path | None = None) -> RunPaths:
        return cls(home if home is not None else entente_home())

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def socket(self) -> Path:
        return self.run / SOCKET_NAME

    @property
    def info(self) -> Path:
        return self.run / INFO_NAME

    @property
    def pid(self) -> Path:
        return self.run / PID_NAME

    @property
    def token(self) -> Path:
        return self.run / TOKEN_NAME

    @property
    def lock(self) -> Path:
        return self.run / LOCK_NAME

    @property
    def log(self) -> Path:
        return self.home / LOG_NAME

    @property
    def projects(self) -> Path:
        return self.home / PROJECTS_NAME

    @property
    def mock_ports(self) -> Path:
        """The port each hosted mock without a configured one got, kept across restarts."""
        return self.home / MOCK_PORTS_NAME

    @property
    def store(self) -> Path:
        return self.home / "store"


class RuntimeInfo(BaseModel):
    """``run/daemon.json``: how to reach the running daemon."""

    model_config = ConfigDict(extra="ignore")

    pid: int
    version: str
    socket: str
    started_at: datetime
    tcp_port: int | None = None
    url: str | None = None  # the loopback TCP URL, when the daemon listens on one


def read_runtime_info(paths: RunPaths) -> RuntimeInfo | None:
    """The runtime file's content; None when it is absent or unreadable."""
    try:
        data = json.loads(paths.info.read_text(encoding="utf-8"))
        return RuntimeInfo.model_validate(data)
    except (OSError, ValueError, ValidationError):
        return None


def read_token(paths: RunPaths) -> str | None:
    try:
        token = paths.token.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return token or None


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True  # no /proc: trust kill()
    # "pid (comm) state ...": comm may hold spaces and parentheses; the state follows the last ")".
    state = stat.rpartition(")")[2].split()[:1]
    return state != ["Z"]


def lock_held(paths: RunPaths) -> bool:
    """Whether a live daemon holds ``run/daemon.lock``."""
    try:
        fd = os.open(paths.lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return True
        raise
    finally:
        os.close(fd)  # also releases our shared lock, if we got it
    return False


def lock_holder_pid(paths: RunPaths) -> int | None:
    """The pid of the daemon holding the lock, or None when no daemon holds it."""
    if not lock_held(paths):
        return None
    try:
        text = paths.lock.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
