"""The one place a service's domain error becomes an HTTP status. The body stays
``{"error": message, "detail": detail}`` (see `framework.App`), which clients parse."""

from __future__ import annotations

from entente_daemon.daemon.services.errors import (
    Conflict,
    DomainError,
    Failed,
    Invalid,
    NotFound,
    Unavailable,
)

STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    NotFound: 404,
    Conflict: 409,
    Unavailable: 503,
    Failed: 500,
}


def status_of(error: DomainError) -> int:
    """The status of the error's class in `STATUS` (500 for a `DomainError` not listed)."""
    return next((status for cls, status in STATUS.items() if isinstance(error, cls)), 500)
