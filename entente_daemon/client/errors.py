"""Errors of the daemon link, each saying what to do about it."""

from __future__ import annotations

from typing import Any

from entente_daemon.errors import EntenteError


class DaemonError(EntenteError):
    """Base of the errors talking to the Entente daemon."""


class DaemonNotRunning(DaemonError):
    """No daemon runs for this Entente home."""


class DaemonVersionMismatch(DaemonError):
    """The running daemon is another version than this client."""


class DaemonUnavailable(DaemonError):
    """A daemon is registered but does not answer (starting, stopping or hung)."""


class DaemonRequestError(DaemonError):
    """The daemon answered a request with an error status."""

    def __init__(self, status: int, message: str, detail: Any = None) -> None:
        self.status = status
        self.message = message
        self.detail = detail
        super().__init__(f"the daemon refused the request (HTTP {status}): {message}")
