"""The mock's answering engine: one pure function from a `MockRequest` to a `MockResult`.

``MockEngine(spec, fixtures=..., options=...).handle(request)`` answers as follows; each
decision is written into the result's `MatchContext` (``reasons``: short sentences such as
``matched GET /castles/{id} (getCastle)``, ``used example 'versailles' of 200
application/json``; ``validation_errors``: what does not fit the spec):

1. **Match the operation**: an unknown path is a ``404`` problem listing the documented
   paths; a known path with an undocumented method a ``405`` with an ``Allow`` header. A
   ``HEAD`` where only ``GET`` is documented is answered as that ``GET`` (RFC 9110 9.3.2;
   the servers send its status and headers, ``Content-Length`` included, and no body).
2. **Validate the request** (``validate_requests``) with
   `entente_daemon.mock.validation.request.validate_request`: violations give a ``400`` (or
   ``415``/``406``) ``application/problem+json`` body naming each one (location, name,
   message). An unusable ``Prefer`` header is a ``400`` too.
3. **Choose the status** (`entente_daemon.mock.answer.plan`): the lowest documented 2xx, unless
   ``Prefer: code=NNN`` asks for another documented one (an undocumented one is a ``400``
   listing the documented statuses).
4. **Answer** from a fixture, else an example, else generated data
   (`entente_daemon.mock.answer.decide`), negotiating the media type on ``Accept`` (``406`` when
   the response offers nothing acceptable).
5. **Validate the answer** (``validate_responses``): see `entente_daemon.mock.answer.decide` for
   what is skipped and what is served and reported.
6. **Headers**: ``Content-Type`` (none for an empty body; ``Content-Length`` is left to the
   server), the response's required headers, ``X-Entente-Source``
   (``fixture``/``example``/``generated``/``error``), ``X-Entente-Operation`` (the
   operationId), ``Preference-Applied`` (RFC 7240) when a ``Prefer`` was honoured, and, for
   an answer that does not fit the spec, ``X-Entente-Validation: failed`` with
   ``X-Entente-Validation-Errors`` summarising the problems.

`handle` never raises: an internal error becomes a ``500`` problem, reported in
``match.validation_errors``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from entente_daemon.mock.answer.decide import Answerer, Options, Refusal, Served
from entente_daemon.mock.answer.examples import preferences
from entente_daemon.mock.answer.problem import (
    INVALID_PREFER,
    INVALID_REQUEST,
    METHOD_NOT_ALLOWED,
    MOCK_ERROR,
    NO_SUCH_PATH,
    allow_header,
    listing,
    plural,
    problem_response,
)
from entente_daemon.mock.answer.responses import Responses, make_response, source_headers
from entente_daemon.mock.messages import MockRequest, MockResponse, MockResult
from entente_daemon.mock.validation.request import RequestCheck, parse_body, validate_request
from entente_daemon.model import AnswerSource, Fixture, FixtureStatus, MatchContext
from entente_daemon.openapi import MatchResult, MatchStatus, Operation, Spec

__all__ = ["FixtureSupply", "MockEngine", "MockOptions"]

_log = logging.getLogger(__name__)
_MATCHES_MAX = 4096

FixtureSupply = Callable[[], Sequence[Fixture]] | Sequence[Fixture]

_INVALID_TITLES = {
    400: "Invalid request",
    401: "Credentials missing",
    406: "Not acceptable",
    415: "Unsupported request media type",
}


@dataclass(slots=True)
class _Trace:
    """What `handle` has found so far, made into the result's `MatchContext` at the end (one
    pydantic construction per request)."""

    operation: Operation | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def context(
        self,
        source: AnswerSource,
        fixture_id: str | None = None,
        example_name: str | None = None,
    ) -> MatchContext:
        operation = self.operation
        return MatchContext(
            operation_id=operation.operation_id if operation else None,
            path_template=operation.path if operation else None,
            path_params=self.path_params,
            source=source,
            fixture_id=fixture_id,
            example_name=example_name,
            reasons=self.reasons,
            validation_errors=self.errors,
        )


@dataclass(frozen=True)
class MockOptions:
    """What the engine does. ``use_examples=False`` always generates from the schema (like
    Prism's ``--dynamic``), still deterministically (the same request gets the same answer);
    an example a request asks for by name (``Prefer: example=``) is still served."""

    validate_requests: bool = True
    validate_responses: bool = True
    use_fixtures: bool = True
    use_examples: bool = True


class MockEngine:
    """Answers requests for one spec. ``fixtures`` are the approved fixtures of this
    provider, or a callable returning them, called on each request (so that the daemon can
    supply the current ones). A returned tuple is indexed once and reused while the same
    tuple comes back; any other sequence is re-indexed on each call (it may have changed in
    place). Fixtures that are not approved are ignored. Safe to use from several threads."""

    def __init__(
        self,
        spec: Spec,
        *,
        fixtures: FixtureSupply = (),
        options: MockOptions = MockOptions(),  # noqa: B008 - frozen, shared safely
    ) -> None:
        self._spec = spec
        self._supply = fixtures
        self._options = options
        self._answerer = Answerer(
            spec,
            Options(options.validate_responses, options.use_fixtures, options.use_examples),
        )
        self._indexed: tuple[Any, dict[str, list[Fixture]]] = (None, {})
        self._responses = Responses()  # made once for answers from the spec
        self._matches: dict[tuple[str, str], MatchResult] = {}
        self._paths = tuple(
            dict.fromkeys(
                base + op.path
                for op in spec.operations
                for base in ([b for s in op.servers for b in s.base_paths] or [""])
            )
        )

    @property
    def spec(self) -> Spec:
        return self._spec

    @property
    def options(self) -> MockOptions:
        return self._options

    def with_spec(self, spec: Spec) -> MockEngine:
        """An engine for a reloaded spec, with the same fixtures and options."""
        return MockEngine(spec, fixtures=self._supply, options=self._options)

    # -- answering --------------------------------------------------------------------------

    def handle(self, request: MockRequest) -> MockResult:
        """The answer to ``request`` and why (see the module docstring). Never raises."""
        trace = _Trace()
        try:
            if request.method.upper() == "HEAD":
                return self._head(request, trace)
            return self._handle(request, trace)
        except Exception as exc:  # a bug must not take the consumer's test down with it
            _log.exception("the mock failed on %s %s", request.method, request.path)
            return _failure(request, exc, trace)

    def _match(self, method: str, path: str) -> MatchResult:
        """`Spec.match`, remembered for the paths seen last (a consumer's tests repeat
        their requests; the result is read, never changed)."""
        key = (method, path)
        found = self._matches.get(key)
        if found is None:
            found = self._spec.match(method, path)
            if len(self._matches) >= _MATCHES_MAX:
                self._matches.clear()
            self._matches[key] = found
        return found

    def _head(self, request: MockRequest, trace: _Trace) -> MockResult:
        """A ``HEAD``: its own operation when the spec documents one, else the ``GET``'s
        answer marked ``answered_as="GET"`` (the server leaves the body out)."""
        found = self._match("HEAD", request.path)
        if found.status is not MatchStatus.METHOD_NOT_ALLOWED or "GET" not in (
            found.allowed_methods
        ):
            return self._handle(request, trace)
        as_get = MockRequest(
            "GET", request.path, request.query_string, request.headers, request.body
        )
        trace.reasons.append("HEAD answered as GET, without the body")
        got = self._handle(as_get, trace)
        return MockResult(
            got.response,
            got.match,
            operation_id=got.operation_id,
            request_body=got.request_body,
            response_body=got.response_body,
            provider_state=got.provider_state,
            extras=got.extras,
            answered_as="GET",
        )

    def _handle(self, request: MockRequest, trace: _Trace) -> MockResult:
        found = self._match(request.method, request.path)
        if found.status is MatchStatus.NO_SUCH_PATH:
            return self._no_such_path(request)
        if found.status is MatchStatus.METHOD_NOT_ALLOWED or found.operation is None:
            return _not_allowed(request, found.allowed_methods)
        operation = found.operation
        trace.operation = operation
        trace.path_params = found.path_params
        trace.reasons.append(
            f"matched {operation.method} {operation.path} ({operation.operation_id})"
        )
        if self._options.validate_requests:
            check = validate_request(self._spec, operation, found.path_params, request)
            if check.violations:
                return _invalid_request(operation, check, trace)
        else:
            check = RequestCheck(
                violations=(),
                body=parse_body(request.content_type, request.body),
                media_type=request.content_type,
                path=dict(found.path_params),
                query=dict(request.query),
                headers={},
                cookies={},
            )
        prefs = preferences(request.header_values("prefer"))
        if prefs.problems:
            refusal = Refusal(INVALID_PREFER, 400, "; ".join(prefs.problems))
            return _refused(refusal, operation, check, trace)
        wants_fixtures = not prefs.dynamic and prefs.example is None
        fixtures = (
            self._fixtures_for(operation) if self._options.use_fixtures and wants_fixtures else []
        )
        outcome = self._answerer.answer(operation, request, check, prefs, fixtures, trace.reasons)
        if isinstance(outcome, Refusal):
            return _refused(outcome, operation, check, trace)
        applied = prefs.applied(*outcome.applied) if outcome.applied else None
        if outcome.source == "fixture":
            response = make_response(outcome, operation, applied)
        else:
            response = self._responses.get(outcome, operation, applied)
        return _served(outcome, operation, check, trace, response)

    def _fixtures_for(self, operation: Operation) -> list[Fixture]:
        supply = self._supply
        current = supply() if callable(supply) else supply
        source, index = self._indexed
        if current is not source or not isinstance(current, tuple):
            index = {}
            for fixture in current:
                if fixture.status is FixtureStatus.APPROVED:
                    index.setdefault(fixture.operation_id, []).append(fixture)
            self._indexed = (current, index)
        return index.get(operation.operation_id, [])

    def _no_such_path(self, request: MockRequest) -> MockResult:
        title = self._spec.title or "the spec"
        detail = (
            f"No operation of {title} matches {request.method.upper()} {request.path or '/'}; "
            f"documented paths: {listing(self._paths)}"
        )
        response, body = problem_response(
            NO_SUCH_PATH, 404, detail, headers=source_headers(None), paths=list(self._paths)
        )
        context = MatchContext(source="error", reasons=[f"no path of {title} matches"])
        return MockResult(response, context, response_body=body)


def _not_allowed(request: MockRequest, allowed: Sequence[str]) -> MockResult:
    method = request.method.upper()
    detail = f"{method} is not allowed on {request.path}; allowed: {', '.join(allowed)}"
    response, body = problem_response(
        METHOD_NOT_ALLOWED,
        405,
        detail,
        headers=allow_header(allowed) + source_headers(None),
        allowed=list(allowed),
    )
    context = MatchContext(source="error", reasons=[detail])
    return MockResult(response, context, response_body=body)


def _invalid_request(operation: Operation, check: RequestCheck, trace: _Trace) -> MockResult:
    status = check.status
    violations = [
        {"location": v.location, "name": v.name, "message": v.message} for v in check.violations
    ]
    detail = (
        f"{plural(len(violations), 'problem')} with {operation.method} {operation.path} "
        f"({operation.operation_id})"
    )
    response, body = problem_response(
        INVALID_REQUEST,
        status,
        detail,
        headers=source_headers(operation),
        title=_INVALID_TITLES.get(status, "Invalid request"),
        operation=operation.operation_id,
        violations=violations,
    )
    trace.reasons.append(f"request refused ({status}): {detail}")
    trace.errors.extend(
        f"request {v['location']}{' ' + v['name'] if v['name'] else ''}: {v['message']}"
        for v in violations
    )
    return MockResult(
        response,
        trace.context("error"),
        operation_id=operation.operation_id,
        request_body=check.body,
        response_body=body,
    )


def _refused(
    refusal: Refusal, operation: Operation, check: RequestCheck, trace: _Trace
) -> MockResult:
    response, body = problem_response(
        refusal.kind,
        refusal.status,
        refusal.detail,
        headers=source_headers(operation),
        operation=operation.operation_id,
        **refusal.extra,
    )
    trace.reasons.append(f"refused ({refusal.status}): {refusal.detail}")
    return MockResult(
        response,
        trace.context("error"),
        operation_id=operation.operation_id,
        request_body=check.body,
        response_body=body,
    )


def _served(
    served: Served,
    operation: Operation,
    check: RequestCheck,
    trace: _Trace,
    response: MockResponse,
) -> MockResult:
    prepared = served.prepared
    if prepared.problems:
        trace.errors.extend(prepared.problems)
    fixture_id = served.fixture.id if served.fixture else None
    return MockResult(
        response,
        trace.context(served.source, fixture_id, served.example_name),
        operation_id=operation.operation_id,
        request_body=check.body,
        response_body=prepared.value,
        provider_state=served.fixture.provider_state if served.fixture else None,
    )


def _failure(request: MockRequest, exc: Exception, trace: _Trace) -> MockResult:
    what = f"{type(exc).__name__}: {exc}"
    detail = (
        f"the mock failed while answering {request.method} {request.path} ({what}); "
        "this is a bug in Entente: please report it with the request and the spec"
    )
    operation = trace.operation
    response, body = problem_response(
        MOCK_ERROR,
        500,
        detail,
        headers=source_headers(operation),
        operation=operation.operation_id if operation else None,
    )
    trace.reasons.append("internal error")
    trace.errors.append(f"internal error: {what}")
    return MockResult(
        response,
        trace.context("error"),
        operation_id=operation.operation_id if operation else None,
        response_body=body,
    )
