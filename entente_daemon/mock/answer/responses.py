"""The response an answer is sent as: status, header list and body bytes, made once.

`make_response` adds to an answer's body and documented headers what the engine says about
it (``Content-Type``, ``X-Entente-Source``, ``X-Entente-Operation``, ``Preference-Applied``,
``X-Entente-Validation``). `Responses` keeps the responses of answers from the spec: their
bodies and header lists are kept by `Bodies` (examples once, generated data by request), so
a repeated request gets the very same `MockResponse` object, whose encoded headers the
server then reuses too (`MockResponse.wire_headers`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from entente_daemon.mock.answer.decide import Served
from entente_daemon.mock.answer.encode import safe_header
from entente_daemon.mock.answer.prepare import Prepared
from entente_daemon.mock.answer.problem import plural
from entente_daemon.mock.messages import MockResponse
from entente_daemon.openapi import Operation

_MAX = 4096


def source_headers(
    operation: Operation | None, source: str = "error"
) -> tuple[tuple[str, str], ...]:
    headers = [("x-entente-source", source)]
    if operation is not None:
        headers.append(("x-entente-operation", operation.operation_id))
    return tuple(headers)


def make_response(served: Served, operation: Operation, applied: str | None) -> MockResponse:
    """The response for ``served`` (``applied``: the ``Preference-Applied`` value)."""
    prepared = served.prepared
    headers: list[tuple[str, str]] = []
    if prepared.content_type is not None:
        headers.append(("content-type", prepared.content_type))
    headers.extend(served.headers)
    headers.extend(source_headers(operation, served.source))
    if applied:
        headers.append(("preference-applied", applied))
    if prepared.problems:
        headers.append(("x-entente-validation", "failed"))
        summary = f"{plural(len(prepared.problems), 'problem')}: {'; '.join(prepared.problems)}"
        headers.append(("x-entente-validation-errors", safe_header(summary, 300)))
    return MockResponse(served.status, tuple(headers), prepared.body)


class _Made(NamedTuple):
    """A response and what it was made from."""

    prepared: Prepared
    headers: list[tuple[str, str]]
    operation: Operation
    source: str
    response: MockResponse


class Responses:
    """The responses made for answers from the spec (examples, generated data), by the
    identity of their prepared body and header list. Safe to share between threads (at
    worst a response is made twice)."""

    def __init__(self) -> None:
        self._made: dict[tuple[Any, ...], _Made] = {}

    def get(self, served: Served, operation: Operation, applied: str | None) -> MockResponse:
        prepared, headers = served.prepared, served.headers
        key = (id(prepared), id(headers), served.status, applied)
        known = self._made.get(key)
        if (
            known is not None
            and known.prepared is prepared
            and known.headers is headers
            and known.operation is operation
            and known.source == served.source
        ):
            return known.response
        response = make_response(served, operation, applied)
        if len(self._made) >= _MAX:
            self._made.clear()
        self._made[key] = _Made(prepared, headers, operation, served.source, response)
        return response
