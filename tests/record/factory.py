"""Answered requests built by hand, for recorder tests that need no engine, and the
recorder those tests use."""

from __future__ import annotations

import json
from typing import Any

from entente_daemon.mock.messages import MockRequest, MockResponse, MockResult
from entente_daemon.model import MatchContext
from entente_daemon.record import InteractionCapture, RecordingContext, Sink


def answered(
    path: str = "/castles",
    *,
    method: str = "GET",
    query: str = "",
    headers: tuple[tuple[str, str], ...] = (("accept", "application/json"),),
    body: Any = None,
    status: int = 200,
    response_headers: tuple[tuple[str, str], ...] = (),
    response_body: Any = None,
    operation_id: str = "listCastles",
    validation_errors: tuple[str, ...] = (),
) -> tuple[MockRequest, MockResult]:
    """A request and the engine's (pretend) answer, bodies given parsed."""
    raw_body = b"" if body is None else json.dumps(body).encode()
    response_body = [] if response_body is None else response_body
    request = MockRequest(method, path, query, headers, raw_body)
    result = MockResult(
        response=MockResponse(
            status,
            (("content-type", "application/json"), *response_headers),
            json.dumps(response_body).encode(),
        ),
        match=MatchContext(
            operation_id=operation_id,
            source="example",
            validation_errors=list(validation_errors),
        ),
        operation_id=operation_id,
        request_body=body,
        response_body=response_body,
    )
    return request, result


def recorder(
    sink: Sink, context: RecordingContext | None = None, **kwargs: Any
) -> InteractionCapture:
    """castle-client 1.0.0 recording against castle-service 1.0.0 into ``sink``."""
    return InteractionCapture(
        "castle-client",
        "1.0.0",
        "castle-service",
        "1.0.0",
        "local",
        sink,
        context=context or RecordingContext(),
        **kwargs,
    )
