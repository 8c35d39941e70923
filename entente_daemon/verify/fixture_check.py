"""Does an approved fixture still fit its provider's spec? Pure: a `Spec` and fixtures in, a
list of problems per fixture out (empty: it fits). No I/O, no clock.

What is checked, each problem one sentence naming where (a JSON path into the body, or the
parameter), in this order:

1. **the operation**: its ``operationId`` is still in the spec (when it is gone and the
   recorded method and path now match another operation, the problem names that one: it was
   renamed); the recorded method is the operation's, and the recorded path still fits its
   path template (the mock indexes fixtures by ``operationId`` and matches them by path, so a
   fixture failing here is never served again). A gone operation ends the check;
2. **the response**, by the verifier's own rules (`entente_daemon.verify.compare`, the
   response compared with itself): the status is documented, the media type is documented
   for it, the body validates against its schema (response direction). A fixture without a
   ``Content-Type`` is read as the first media type the spec documents for the status, which
   is what the mock would send it as;
3. **the request**, by the mock's own request validation
   (`entente_daemon.mock.validation.validate_request`): each path, query and header
   parameter the fixture pins must be valid, and its body, when it pins one, must be of a
   declared media type and valid against the request schema.

A fixture pins only what it recorded, so what it leaves out is not a problem: a required
query parameter or header it does not carry, a path segment recorded as the template itself
(``/castles/{id}``), no body. Credentials are never recorded (they are redacted), so the
operation's ``security``, and any value recorded as ``[REDACTED]``, are not checked; nor is
``Accept`` (fixtures are matched without looking at headers). Request bodies are checked when
they are JSON or text; form and multipart bodies, which a fixture keeps parsed, are not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from entente_daemon.mock.encode import encode_body
from entente_daemon.mock.fixtures import compile_template, path_values
from entente_daemon.mock.http import MockRequest
from entente_daemon.mock.media import parse_media_type
from entente_daemon.mock.validation import Violation, validate_request
from entente_daemon.model import Fixture, HttpRequest, HttpResponse
from entente_daemon.record.redact import REDACTED
from entente_daemon.spec import MatchStatus, Operation, Spec
from entente_daemon.verify.compare import Mismatch, compare, header
from entente_daemon.verify.paths import json_path

__all__ = ["FixtureCheck", "check_fixtures", "fixture_problems"]

#: `compare` speaks of the provider's answer; here the answer is the fixture's.
_REWORDED = (
    ("the provider does not send it", "the fixture does not have it"),
    ("the provider sends none", "the fixture has none"),
    ("the provider sends one", "the fixture has one"),
)
#: Violations that say nothing about a recorded request (see the module docstring).
_NOT_RECORDED = frozenset({"security", "accept", "cookie"})


@dataclass(frozen=True)
class FixtureCheck:
    """One fixture checked: ``problems`` empty when it still fits."""

    fixture: Fixture
    problems: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.problems)


def check_fixtures(
    spec: Spec, fixtures: Iterable[Fixture], *, version: str | None = None
) -> list[FixtureCheck]:
    """Each fixture checked against ``spec``, in the order given. With a ``version``, the
    fixtures pinned to other versions of the provider (`Fixture.provider_versions`) are left
    out: they do not apply to this spec."""
    return [
        FixtureCheck(fixture, fixture_problems(spec, fixture))
        for fixture in fixtures
        if version is None or not fixture.provider_versions or version in fixture.provider_versions
    ]


def fixture_problems(spec: Spec, fixture: Fixture) -> list[str]:
    """What no longer fits ``spec`` in ``fixture`` (see the module docstring); empty if all."""
    operation = spec.operation(fixture.operation_id)
    if operation is None:
        return [_gone(spec, fixture)]
    problems: list[str] = []
    recorded = fixture.request
    method = recorded.method.upper() if recorded.method else operation.method
    if method != operation.method:
        problems.append(
            f"request: recorded for {method}, but {operation.operation_id} is "
            f"{operation.method} {operation.path}"
        )
    pinned = _pinned_path(operation, recorded.path)
    if pinned is None:
        problems.append(
            f"request: path {recorded.path} no longer fits {operation.operation_id}'s "
            f"{operation.path}"
        )
    problems.extend(_response_problems(spec, operation, fixture.response))
    if pinned is not None and method == operation.method:
        problems.extend(_request_problems(spec, operation, recorded, pinned))
    return problems


# -- the operation ------------------------------------------------------------------------


def _gone(spec: Spec, fixture: Fixture) -> str:
    message = f"operation {fixture.operation_id!r} is no longer in the spec"
    request = fixture.request
    if request.method and request.path.strip():
        found = spec.match(request.method, request.path)
        if found.status is MatchStatus.MATCHED and found.operation is not None:
            return f"{message} ({request.method.upper()} {request.path} is now operation " + (
                f"{found.operation.operation_id!r})"
            )
    return message


def _pinned_path(operation: Operation, path: str) -> dict[str, str] | None:
    """The path parameters the recorded path pins (a segment recorded as the template
    itself pins nothing; an empty path pins nothing); None if it does not fit."""
    if not path.strip():
        return {}
    values = path_values(compile_template(operation.path), path)
    if values is None:
        return None
    return {name: value for name, value in values.items() if value != "{" + name + "}"}


# -- the response -------------------------------------------------------------------------


def _response_problems(spec: Spec, operation: Operation, response: HttpResponse) -> list[str]:
    typed = _with_content_type(operation, response)
    # Compared with itself, a response can only fail the spec's rules.
    return [_response_sentence(operation, m) for m in compare(spec, operation, typed, typed)]


def _with_content_type(operation: Operation, response: HttpResponse) -> HttpResponse:
    """A fixture written by hand often has no Content-Type: the mock then sends its body as
    the first media type the spec documents for the status; check it as that."""
    if header(response, "content-type") is not None or response.body is None:
        return response
    documented = operation.response_for(response.status)
    if documented is None or not documented.content:
        return response
    media_type = next(iter(documented.content))
    parsed = parse_media_type(media_type)
    essence = parsed.essence if parsed is not None else media_type
    if "*" in essence:
        return response
    headers = {**response.headers, "content-type": essence}
    return response.model_copy(update={"headers": headers})


def _response_sentence(operation: Operation, mismatch: Mismatch) -> str:
    """``response body $.yearBuilt: ...`` or ``response: status 201 is not in the spec``."""
    message = mismatch.message
    label = f"{operation}: "
    if message.startswith(label):
        message = message[len(label) :]
    for verifier_words, fixture_words in _REWORDED:
        message = message.replace(verifier_words, fixture_words)
    path = mismatch.path
    if path is not None and message.startswith(f"{path}: "):
        return f"response body {message}"
    return f"response: {message}"


# -- the request --------------------------------------------------------------------------


def _request_problems(
    spec: Spec, operation: Operation, recorded: HttpRequest, pinned: dict[str, str]
) -> list[str]:
    request, checks_body = _as_request(operation, recorded)
    check = validate_request(spec, operation, pinned, request)
    sent_query = set(request.query)
    sent_headers = {name for name, _ in request.headers}
    problems: list[str] = []
    for violation in check.violations:
        location, name = violation.location, violation.name
        if location in _NOT_RECORDED:
            continue
        if location == "path" and name not in pinned:
            continue
        if location == "query" and name not in sent_query:
            continue
        if location == "header" and (name or "").lower() not in sent_headers:
            continue
        if location == "body" and not checks_body:
            continue
        problems.append(_request_sentence(violation))
    return problems


def _as_request(operation: Operation, recorded: HttpRequest) -> tuple[MockRequest, bool]:
    """The recorded request as the mock would receive it (redacted values left out), and
    whether its body is one to check."""
    pairs = [
        (name, value)
        for name, values in recorded.query.items()
        for value in values
        if value != REDACTED
    ]
    headers = [
        (name.lower(), value)
        for name, value in recorded.headers.items()
        if value != REDACTED and name.lower() != "content-type"
    ]
    body = b""
    checks_body = False
    if recorded.body is not None:
        declared = next(
            (v for k, v in recorded.headers.items() if k.lower() == "content-type"), None
        )
        documented = list(operation.request_body.content) if operation.request_body else []
        media_type = declared or (documented[0] if documented else "application/json")
        parsed = parse_media_type(media_type)
        checks_body = parsed is not None and (
            parsed.is_json or (isinstance(recorded.body, str) and not parsed.is_form)
        )
        body, content_type = encode_body(recorded.body, media_type)
        headers.append(("content-type", content_type))
    request = MockRequest(
        method=operation.method,
        path=recorded.path or operation.path,
        query_string=urlencode(pairs, quote_via=quote),
        headers=tuple(headers),
        body=body,
    )
    return request, checks_body


def _request_sentence(violation: Violation) -> str:
    """``request body $.yearBuilt: must be ≥ 1000 (got 999)``, ``request: query parameter
    'limit' must be an integer (got 'ten')``."""
    message = violation.message
    if violation.location == "body" and violation.name is not None:
        pointer = violation.name
        for prefix in (f"request body at {pointer} ", "request body "):
            if message.startswith(prefix):
                rest = message[len(prefix) :]
                return f"request body {_pointer_path(pointer)}: {rest}"
    return message if message.startswith("request") else f"request: {message}"


def _pointer_path(pointer: str) -> str:
    """A JSON pointer (``/items/0/name``) as a JSON path (``$.items[0].name``)."""
    parts: list[str | int] = []
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return json_path(parts)
