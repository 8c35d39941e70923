"""One answered request → one `model.Interaction`, redacted and hashed.

Decisions worth knowing:

* ``request.path`` is the path as the consumer sent it, with percent-escapes decoded for
  readability *except* where decoding would change its meaning: reserved characters
  (``/ ? # [ ] @ ! $ & ' ( ) * + , ; =`` and ``:``), ``%`` itself, ``.`` (``%2e%2e`` would
  read as a ``..`` segment, which a client replaying it resolves), spaces and control
  characters stay encoded, and so does anything that is not valid UTF-8. So
  ``/castles/Ch%C3%A2teau`` is recorded as ``/castles/Château`` while ``/files/a%2Fb`` stays
  ``/files/a%2Fb``; an HTTP client replaying the recorded path sends the same request.
* Headers: lower-case names, repeated headers joined with ``", "`` (RFC 9110 §5.3);
  transport headers such as ``Host`` and ``User-Agent`` are left out (see `redact`).
* Bodies are the engine's parsed forms (JSON value, text, or None), not bytes.
* Credentials are redacted before the content hash is computed (see `redact`): headers,
  query parameters and body fields.
* A body too deep or too big to store as JSON is kept as text, cut to the configured size,
  and a header value too long is cut too; ``notes`` says what was (see `bounds`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple
from urllib.parse import unquote

from entente_daemon.mock.messages import MockRequest, MockResult
from entente_daemon.model import HttpRequest, HttpResponse, Interaction, MatchContext
from entente_daemon.record.bounds import bounded_body, bounded_headers
from entente_daemon.record.redact import Redaction, scrub

_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# Also ".": decoded, "%2e%2e" would record a ".." segment, which clients resolve (a traversal).
_KEEP_ENCODED = frozenset(":/?#[]@!$&'()*+,;=% .")


class Identity(NamedTuple):
    """Who talked to whom, in which environment: the same for every interaction a recorder
    records until it is told otherwise (e.g. a reloaded spec's new version)."""

    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    environment: str


def readable_path(raw: str) -> str:
    """The raw path with harmless escapes decoded (see the module's docstring)."""
    if "%" not in raw:
        return raw
    return _ESCAPES.sub(_decode_run, raw)


def _decode_run(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        text = unquote(run, errors="strict")
    except UnicodeDecodeError:
        return run
    out: list[str] = []
    at = 0  # where the escapes of ``char`` begin in ``run`` (three characters a byte)
    for char in text:
        width = 3 * len(char.encode("utf-8"))
        if char in _KEEP_ENCODED or not char.isprintable():
            out.append(run[at : at + width])  # as sent
        else:
            out.append(char)
        at += width
    return "".join(out)


def to_interaction(
    identity: Identity,
    request: MockRequest,
    result: MockResult,
    *,
    redaction: Redaction,
    duration: float,
    timestamp: datetime,
    test_id: str | None,
    run_id: str | None,
    count: int = 1,
    last_seen: datetime | None = None,
) -> Interaction:
    """The interaction as it is stored (``duration`` in seconds), content hash included."""
    secrets: list[str] = []
    notes: list[str] = []
    limits = redaction.limits
    request_headers = bounded_headers(
        "request.headers", redaction.headers_dict(request.headers, secrets), limits, notes
    )
    query = redaction.query_dict(request.query, secrets)
    response_headers = bounded_headers(
        "response.headers",
        redaction.headers_dict(result.response.headers, secrets),
        limits,
        notes,
    )
    request_body = bounded_body("request.body", result.request_body, request.body, limits, notes)
    if redaction.may_hold_secrets(request.body):  # most bodies name no credential field
        request_body = redaction.body(request_body, secrets)
    raw_response = result.response.body
    response_body = bounded_body("response.body", result.response_body, raw_response, limits, notes)
    if redaction.may_hold_secrets(raw_response):
        response_body = redaction.body(response_body, secrets)
    match = result.match
    if secrets and (match.reasons or match.validation_errors):
        match = match.model_copy(
            update={
                "reasons": [scrub(reason, secrets) for reason in match.reasons],
                "validation_errors": [scrub(e, secrets) for e in match.validation_errors],
            }
        )
    interaction = Interaction(
        consumer=identity.consumer,
        consumer_version=identity.consumer_version,
        provider=identity.provider,
        provider_version=identity.provider_version,
        environment=identity.environment,
        operation_id=result.operation_id,
        provider_state=result.provider_state,
        request=HttpRequest(
            method=request.method.upper(),
            path=readable_path(request.path),
            query=query,
            headers=request_headers,
            body=request_body,
        ),
        response=HttpResponse(
            status=result.response.status,
            headers=response_headers,
            body=response_body,
        ),
        duration_ms=round(duration * 1000.0, 3),
        timestamp=timestamp,
        last_seen=last_seen,
        count=count,
        test_id=test_id,
        run_id=run_id,
        match=match if isinstance(match, MatchContext) else MatchContext(),
        notes=notes,
    )
    # what `Interaction.with_hash` gives, without copying the model
    interaction.content_hash = interaction.compute_hash()
    return interaction
