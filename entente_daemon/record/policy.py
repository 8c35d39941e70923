"""Whether a mock records when nobody said: on in CI and when the daemon runs, else off."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from entente_daemon.home import run_dir

DAEMON_FILE = "daemon.json"
_TRUE = {"1", "true", "yes", "on"}


def daemon_file(home: Path | None = None) -> Path:
    """The daemon's runtime file: ``$ENTENTE_HOME/run/daemon.json`` with at least its
    ``pid``, written when it starts and removed when it stops."""
    return run_dir(home) / DAEMON_FILE


def daemon_running(home: Path | None = None) -> bool:
    """Whether the daemon's runtime file exists and names a live process (a file left by a
    daemon that was killed does not count)."""
    try:
        data = json.loads(daemon_file(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    pid = data.get("pid") if isinstance(data, dict) else None
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    return pid_alive(pid)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get("CI", "").strip().lower() in _TRUE


def recording_enabled(
    explicit: bool | None = None,
    configured: bool | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> tuple[bool, str]:
    """Whether to record, and why (for the start-up message): a command-line flag wins, then
    the project's ``[recording] enabled``, then ``CI=true`` or a running daemon."""
    if explicit is not None:
        return explicit, "--record" if explicit else "--no-record"
    if configured is not None:
        return configured, "[recording] enabled in the project configuration"
    if in_ci(environ):
        return True, "CI is set"
    if daemon_running(home):
        return True, "the Entente daemon is running"
    return False, "default outside CI; --record turns it on"
