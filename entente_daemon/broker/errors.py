"""What the broker's storage refuses, mapped to HTTP in one place (`app.py`)."""

from __future__ import annotations

from entente_daemon.errors import EntenteError


class BrokerProblem(EntenteError):
    status = 400
    code = "invalid"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(BrokerProblem):
    status = 404
    code = "not_found"


class Conflict(BrokerProblem):
    status = 409
    code = "conflict"


class TooLarge(BrokerProblem):
    status = 413
    code = "too_large"


class Invalid(BrokerProblem):
    status = 422
    code = "invalid"
