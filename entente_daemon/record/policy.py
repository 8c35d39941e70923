"""Whether a mock records when nobody said: on in CI and when the daemon runs, else off."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from entente_daemon.client import daemon_running

_TRUE = {"1", "true", "yes", "on"}


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
