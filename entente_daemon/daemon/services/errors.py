"""What a service says when it refuses a request: domain errors, free of HTTP.

The control API maps each to its status in one place (`api.errors`); a service never
chooses a status code. The message is what the client shows, so it says what to fix.
"""

from __future__ import annotations

from typing import Any

from entente_daemon.errors import EntenteError


class DomainError(EntenteError):
    """A request a service refuses; ``detail`` is optional structured help."""

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class Invalid(DomainError):
    """The request cannot be carried out as given (a bad value, a project that is not fit)."""


class NotFound(DomainError):
    """The thing named does not exist (or is no longer remembered)."""


class Conflict(DomainError):
    """The thing exists but is not in a state that allows this (already open, finished)."""


class Unavailable(DomainError):
    """The request is fine but cannot be served now (the store is locked or failing)."""


class Failed(DomainError):
    """The daemon tried and could not (a process that would not start)."""
