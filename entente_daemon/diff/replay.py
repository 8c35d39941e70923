"""Would a spec accept a recorded request? The request is matched and validated exactly as
the mock does (`Spec.match`, then `entente_daemon.mock.validation.request.validate_request`).
Pure.

A recorded request is what the consumer sent, its credentials redacted: a value recorded as
``[REDACTED]`` is sent as it is, so that a credential the consumer sent is still present for
the ``security`` check (which looks at presence only), and a violation at such a value is
left out (the value is not known).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from entente_daemon.mock.answer.encode import encode_body
from entente_daemon.mock.messages import MockRequest
from entente_daemon.mock.validation.request import Violation, validate_request
from entente_daemon.model import HttpRequest
from entente_daemon.openapi import MatchStatus, Operation, Spec

#: What the recorder writes in place of a credential (`record/redact.py`, a layer above).
REDACTED = "[REDACTED]"


@dataclass(frozen=True)
class Replay:
    """A recorded request against one spec: the operation it matches (None: no operation
    has its method and path, ``status`` says why) and the violations found."""

    operation: Operation | None
    status: MatchStatus
    violations: tuple[Violation, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.operation is not None and not self.violations


def replay(spec: Spec, recorded: HttpRequest) -> Replay:
    """``recorded`` matched and validated against ``spec``."""
    found = spec.match(recorded.method.upper(), recorded.path)
    if not found.matched or found.operation is None:
        return Replay(None, found.status)
    operation = found.operation
    check = validate_request(spec, operation, found.path_params, as_mock_request(recorded))
    hidden = _redacted_places(recorded)
    kept = tuple(v for v in check.violations if _place(v) not in hidden)
    return Replay(operation, found.status, kept)


def _redacted_places(recorded: HttpRequest) -> set[tuple[str, str | None]]:
    places: set[tuple[str, str | None]] = set()
    for name, values in recorded.query.items():
        if REDACTED in values:
            places.add(("query", name))
    for name, value in recorded.headers.items():
        if value == REDACTED:
            places.add(("header", name.lower()))
    return places


def _place(violation: Violation) -> tuple[str, str | None]:
    if violation.location == "header" and violation.name is not None:
        return ("header", violation.name.lower())
    return (violation.location, violation.name)


def as_mock_request(recorded: HttpRequest) -> MockRequest:
    """The recorded request as the mock receives it."""
    pairs = [(name, value) for name, values in recorded.query.items() for value in values]
    headers = [
        (name.lower(), value)
        for name, value in recorded.headers.items()
        if name.lower() not in ("content-type", "content-length")
    ]
    body = b""
    if recorded.body is not None:
        declared = next(
            (v for k, v in recorded.headers.items() if k.lower() == "content-type"),
            "application/json",
        )
        body, content_type = encode_body(recorded.body, declared)
        headers.append(("content-type", content_type))
    return MockRequest(
        method=recorded.method.upper(),
        path=recorded.path,
        query_string=urlencode(pairs, quote_via=quote),
        headers=tuple(headers),
        body=body,
    )


def violation_key(violation: Violation) -> tuple[str, str | None]:
    return (violation.location, violation.name)
