"""Records for the broker's tests, each with names of its own (tests share a broker)."""

from __future__ import annotations

import uuid
from datetime import datetime

from entente_daemon.model import Fixture, HttpRequest, HttpResponse, Interaction


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def interaction(
    provider: str,
    consumer: str = "castle-client",
    *,
    path: str = "/castles",
    consumer_version: str = "1.0.0",
    provider_version: str = "1.0.0",
    test_id: str | None = "tests/test_castles.py::test_list",
    run_id: str | None = "run-1",
    timestamp: datetime | None = None,
) -> Interaction:
    made = Interaction(
        consumer=consumer,
        consumer_version=consumer_version,
        provider=provider,
        provider_version=provider_version,
        operation_id="listCastles",
        request=HttpRequest(method="GET", path=path),
        response=HttpResponse(status=200, body=[{"name": "Bodiam"}]),
        test_id=test_id,
        run_id=run_id,
    )
    if timestamp is not None:
        made = made.model_copy(update={"timestamp": timestamp})
    return made.with_hash()


def fixture(provider: str) -> Fixture:
    return Fixture(
        provider=provider,
        operation_id="listCastles",
        request=HttpRequest(method="GET", path="/castles"),
        response=HttpResponse(status=200, body=[]),
    ).with_hash()
