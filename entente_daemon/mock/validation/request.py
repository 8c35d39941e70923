"""Does a request fit its operation? `validate_request`: pure, no I/O, on every mock request.

What is checked, each problem a `Violation` (location, name, a sentence saying what to change):

* **parameters** (path, query, header, cookie): deserialised by ``style``/``explode`` and
  typed by schema (`entente_daemon.mock.validation.params`), then validated against the parameter's
  schema (``content`` parameters: parsed as their media type, JSON); a missing required one is
  a violation, an unknown query parameter is not. ``Accept``, ``Content-Type`` and
  ``Authorization`` header parameters are ignored, as OpenAPI says;
* **the request media type** (``415``): the ``Content-Type`` must be one the operation
  declares (parameters such as ``charset`` and case do not matter; ``application/*``,
  ``*/*`` and ``application/*+json`` in the spec match what they cover; a ``+json`` type
  sent is read as JSON where the spec says ``application/json``). A body without
  ``Content-Type`` is a ``415`` too;
* **the body**: required but empty; unreadable (malformed JSON or XML, with the parser's
  line and column); each schema violation, with the JSON pointer of the failing value (a
  missing required property: the pointer it should be at), read-only properties included.
  XML bodies are read into the shape their schema describes (OpenAPI's XML mapping,
  `entente_daemon.mock.validation.xml_body`) and validated like JSON;
* **Accept** (``406``): only when every response of the operation has content and
  ``Accept`` matches none of it (`mock.answer.negotiation`), since the mock could then
  answer nothing; the choice among acceptable types is made when answering.

* **credentials** (``401``): one alternative of the operation's ``security`` must be present
  (`entente_daemon.mock.validation.security`; presence only).

`RequestCheck.status` is the status to answer an invalid request with: ``401`` when
credentials are missing (checked first, as a server would); else ``400`` unless every
violation has the same more specific status (``415``, ``406``); when they are all ``415`` or
``406`` but mixed, the most specific first: ``415`` (the body could not even be read as
declared) over ``406``. A request with any plain ``400`` violation is a ``400``: its
problem document lists the ``415``/``406`` ones too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from entente_daemon.mock.answer.negotiation import negotiate
from entente_daemon.mock.media import best_declared, parse_media_type
from entente_daemon.mock.messages import MockRequest
from entente_daemon.mock.validation.bodies import parse_body, parse_xml, read_body
from entente_daemon.mock.validation.params import (
    MISSING,
    Shape,
    cookies,
    from_cookie,
    from_header,
    from_path,
    from_query,
    typed,
)
from entente_daemon.mock.validation.request_plan import BodyPlan, ParamPlan, RequestPlan, plan_for
from entente_daemon.mock.validation.schema_text import HIDDEN, explain
from entente_daemon.mock.validation.security import missing_credentials
from entente_daemon.mock.validation.xml_body import xml_instance
from entente_daemon.openapi import Operation, Spec

__all__ = ["RequestCheck", "Violation", "negotiate", "parse_body", "validate_request"]

Location = Literal[
    "path", "query", "header", "cookie", "body", "content-type", "accept", "security"
]

#: Body schema violations reported at most (a huge wrong body should not cost more).
MAX_BODY_VIOLATIONS = 50
_STATUS_ORDER = (415, 406)
_MAX_SHOWN = 80


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a request does not fit its operation. ``name``: the parameter's name, or the
    JSON pointer in the body (``"/yearBuilt"``, ``""`` for the body as a whole), or None
    (a missing or unreadable body, the media type, ``Accept``)."""

    location: Location
    name: str | None
    message: str
    status: int = 400

    def to_json(self) -> dict[str, Any]:
        """For a problem+json ``violations`` list."""
        return {"location": self.location, "name": self.name, "message": self.message}


@dataclass(frozen=True, init=False)
class RequestCheck:
    """What `validate_request` found: the violations (empty: the request is valid) and the
    request as read. ``body``: JSON value, dict of form/multipart fields, text, or None
    (empty or binary); ``media_type``: the spec's request media type that matched (as the
    spec writes it), or None; ``path``/``query``/``headers``/``cookies``: the declared
    parameters present, deserialised and typed, by name."""

    violations: tuple[Violation, ...]
    body: Any
    media_type: str | None
    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    cookies: dict[str, Any]

    def __init__(
        self,
        violations: tuple[Violation, ...],
        body: Any,
        media_type: str | None,
        path: dict[str, Any],
        query: dict[str, Any],
        headers: dict[str, Any],
        cookies: dict[str, Any],
    ) -> None:
        # Straight into __dict__: three times quicker than the frozen dataclass's own
        # __init__, on every request.
        fields = self.__dict__
        fields["violations"] = violations
        fields["body"] = body
        fields["media_type"] = media_type
        fields["path"] = path
        fields["query"] = query
        fields["headers"] = headers
        fields["cookies"] = cookies

    @property
    def valid(self) -> bool:
        return not self.violations

    @property
    def status(self) -> int:
        """200 when valid; else the status to answer with (see the module's doc)."""
        statuses = {v.status for v in self.violations}
        if not statuses:
            return 200
        if 401 in statuses:
            return 401  # as a real server would: credentials are checked before the rest
        if len(statuses) == 1:
            return statuses.pop()
        if 400 in statuses:
            return 400
        return next((s for s in _STATUS_ORDER if s in statuses), 400)


def validate_request(
    spec: Spec, operation: Operation, path_params: Mapping[str, str], request: MockRequest
) -> RequestCheck:
    """Check ``request`` against ``operation`` of ``spec`` (``path_params``: the decoded
    template variables the match found). Never raises on what a client sends."""
    plan = plan_for(spec, operation)
    violations: list[Violation] = []
    credentials = missing_credentials(spec, operation, request)
    if credentials is not None:
        violations.append(Violation("security", None, credentials, status=401))
    path: dict[str, Any] = {}
    for param in plan.path:
        raw = path_params.get(param.name)
        if raw is None:
            _missing(param, "path", violations)
            continue
        value = from_path(raw, param.name, param.style, param.explode, param.shape)
        _check(param, "path", value, raw, path, violations)
    query: dict[str, Any] = {}
    if plan.query:
        _query(plan, request, query, violations)
    headers: dict[str, Any] = {}
    for param in plan.header:
        values = request.header_values(param.name)
        if not values:
            _missing(param, "header", violations)
            continue
        if param.content_media is not None:
            _check_content(param, "header", ",".join(values), headers, violations)
            continue
        value = from_header(values, param.explode, param.shape)
        _check(param, "header", value, ",".join(values), headers, violations)
    found_cookies: dict[str, Any] = {}
    if plan.cookie:
        jar = cookies(request.header_values("cookie"))
        for param in plan.cookie:
            if param.content_media is not None:
                if param.name in jar:
                    _check_content(param, "cookie", jar[param.name][0], found_cookies, violations)
                else:
                    _missing(param, "cookie", violations)
                continue
            value, raw = from_cookie(jar, param.name, param.explode, param.shape)
            if value is MISSING:
                _missing(param, "cookie", violations)
            else:
                _check(param, "cookie", value, raw, found_cookies, violations)
    body, media_type = _body(spec, plan, request, violations)
    if plan.offered is not None:
        _accept(plan, request, violations)
    return RequestCheck(
        violations=tuple(violations),
        body=body,
        media_type=media_type,
        path=path,
        query=query,
        headers=headers,
        cookies=found_cookies,
    )


def _query(
    plan: RequestPlan, request: MockRequest, found: dict[str, Any], violations: list[Violation]
) -> None:
    params = request.query
    for param in plan.query:
        if param.content_media is not None:
            values = params.get(param.name)
            if values is None:
                _missing(param, "query", violations)
            else:
                _check_content(param, "query", values[0], found, violations)
            continue
        value, raw = from_query(
            params, param.name, param.style, param.explode, param.shape, plan.query_names
        )
        if value is MISSING:
            _missing(param, "query", violations)
        elif raw == "" and param.allow_empty:
            found[param.name] = ""
        else:
            _check(param, "query", value, raw, found, violations)


def _missing(param: ParamPlan, location: Location, violations: list[Violation]) -> None:
    if param.required:
        message = f"{param.subject} is required ({param.wanted}) but was not sent"
        violations.append(Violation(location, param.name, message))


def _check(
    param: ParamPlan,
    location: Location,
    value: Any,
    raw: Any,
    found: dict[str, Any],
    violations: list[Violation],
) -> None:
    found[param.name] = value
    if param.validator is None:
        return
    error = next(param.validator.iter_errors(value), None)
    if error is None:
        return
    message = f"{param.subject} must be {param.wanted} ({_got(param, raw)})"
    if param.secret:
        violations.append(Violation(location, param.name, message))
        return
    if param.shape.kind != "primitive" or param.content_media is not None:
        _, at, phrase = explain(error)
        message += f": {at or 'the value'} {phrase}"
    violations.append(Violation(location, param.name, message))


def _check_content(
    param: ParamPlan,
    location: Location,
    raw: str,
    found: dict[str, Any],
    violations: list[Violation],
) -> None:
    media = param.content_media
    if media is None or not media.is_json:
        _check(param, location, raw, raw, found, violations)
        return
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        message = (
            f"{param.subject} must be JSON ({media.essence}): {exc.msg} at column {exc.colno} "
            f"({_got(param, raw)})"
        )
        violations.append(Violation(location, param.name, message))
        return
    except RecursionError:
        violations.append(Violation(location, param.name, f"{param.subject} is nested too deeply"))
        return
    except ValueError:  # a number with more digits than Python converts
        message = f"{param.subject} has a number too long to read ({_got(param, raw)})"
        violations.append(Violation(location, param.name, message))
        return
    _check(param, location, value, raw, found, violations)


def _got(param: ParamPlan, raw: Any) -> str:
    """``got 'abc'`` for a message, shortened; nothing of what may be a credential."""
    if param.secret:
        return HIDDEN
    shown = repr(raw)
    return "got " + (shown if len(shown) <= _MAX_SHOWN else shown[: _MAX_SHOWN - 1] + "…")


def _form_instance(
    fields: dict[str, list[Any]], shape: Shape, delimiters: Mapping[str, str] | None
) -> dict[str, Any]:
    """Form or multipart fields typed by the body schema: a field the schema makes an array
    is every value sent, or for a form field its ``encoding`` does not explode, the items of
    its one value (``delimiters``: by field, None for multipart)."""
    instance: dict[str, Any] = {}
    for name, values in fields.items():
        prop = shape.property(name)
        first = values[0]
        if prop.kind == "array":
            items: Any = list(values)
            separator = delimiters.get(name) if delimiters is not None else None
            if len(values) == 1 and isinstance(first, str) and separator is not None:
                items = [] if first == "" else first.split(separator)
            instance[name] = typed(items, prop)
        else:
            instance[name] = typed(first, prop) if isinstance(first, str) else first
    return instance


def _body(
    spec: Spec, plan: RequestPlan, request: MockRequest, violations: list[Violation]
) -> tuple[Any, str | None]:
    """The parsed body and the spec's media type it matched."""
    body_plan = plan.body
    if body_plan is None:
        return (parse_body(request.content_type, request.body) if request.body else None), None
    content_type = request.content_type
    media = parse_media_type(content_type) if content_type else None
    key = best_declared(body_plan.declared(), media) if media is not None else None
    if not request.body:
        if body_plan.required:
            message = f"request body is required by {plan.name}: send one of {body_plan.listing}"
            violations.append(Violation("body", None, message))
        return None, key
    if key is None:
        _unsupported(plan, body_plan, content_type, violations)
        return parse_body(content_type, request.body), None
    read = read_body(media, content_type, request.body)
    if read.problem is not None:
        violations.append(Violation("body", None, f"request body {read.problem}"))
        return parse_body(content_type, request.body), key
    declared = body_plan.get(key)
    assert media is not None  # a key was found for it
    if declared.validator is None:
        return read.value, key
    if media.is_xml:
        problem, root = parse_xml(request.body)
        if root is None:
            if problem is not None:
                message = f"request body is not well-formed XML: {problem}"
                violations.append(Violation("body", None, message))
            return read.value, key
        instance = xml_instance(root, declared.schema, spec.deref)
    elif read.fields is not None:
        delimiters = declared.delimiters if media.is_form else None
        instance = _form_instance(read.fields, declared.shape, delimiters)
    elif media.is_json or media.is_text:
        instance = read.value
    else:
        return read.value, key  # binary: nothing to validate
    for count, error in enumerate(declared.validator.iter_errors(instance)):
        if count >= MAX_BODY_VIOLATIONS:
            note = f"request body has more than {MAX_BODY_VIOLATIONS} problems, not all listed"
            violations.append(Violation("body", None, note))
            break
        name, at, phrase = explain(error)
        subject = f"request body at {at}" if at else "request body"
        violations.append(Violation("body", name, f"{subject} {phrase}"))
    return read.value, key


def _unsupported(
    plan: RequestPlan,
    body_plan: BodyPlan,
    content_type: str | None,
    violations: list[Violation],
) -> None:
    if content_type is None:
        message = (
            f"request has a body but no Content-Type header; {plan.name} accepts "
            f"{body_plan.listing}"
        )
    else:
        message = (
            f"request media type {content_type!r} is not supported by {plan.name}; "
            f"send one of: {body_plan.listing}"
        )
    violations.append(Violation("content-type", None, message, 415))


def _accept(plan: RequestPlan, request: MockRequest, violations: list[Violation]) -> None:
    values = request.header_values("accept")
    if not values or plan.offered is None:
        return
    accept = ", ".join(values)
    if negotiate(accept, plan.offered) is None:
        message = (
            f"Accept: {accept} matches none of the media types {plan.name} answers with: "
            f"{', '.join(plan.offered)}"
        )
        violations.append(Violation("accept", None, message, 406))
