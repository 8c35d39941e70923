"""What validating a request for one operation needs, worked out once per operation.

Request validation runs on every mock request, so everything that depends only on the spec
(parameter shapes and validators, the parsed request media types, the summaries used in
messages, the media types the operation can answer with) is computed on the first request
for an operation and kept, keyed by the operation's identity, for as long as its `Spec` lives.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from threading import Lock
from typing import Any

from entente_daemon.mock.media import MediaType, parse_media_type
from entente_daemon.mock.validation.params import Shape, shape_of
from entente_daemon.mock.validation.schema_text import SECRET_NAME, summary
from entente_daemon.openapi import Operation, Parameter, Spec
from entente_daemon.openapi.schemas import SchemaValidator

#: Header parameters OpenAPI says to ignore: HTTP itself defines them.
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})

_DELIMITERS = {"spaceDelimited": " ", "pipeDelimited": "|"}
_SUBJECTS = {
    "path": "path parameter",
    "query": "query parameter",
    "header": "header",
    "cookie": "cookie",
}


@dataclass(frozen=True, slots=True)
class ParamPlan:
    """One parameter: how to read it and what to check. For a ``content`` parameter
    (``content_media`` set) the value is that media type's serialisation (JSON) and
    ``schema``/``validator``/``shape`` are the media type's."""

    parameter: Parameter
    name: str
    required: bool
    style: str
    explode: bool
    allow_empty: bool
    shape: Shape
    validator: SchemaValidator | None
    subject: str  # "query parameter 'limit'"
    wanted: str  # "an integer ≥ 1"
    content_media: MediaType | None = None
    secret: bool = False  # may carry a credential: its value is never echoed in messages


@dataclass(frozen=True, slots=True)
class BodyMedia:
    """A request media type. ``delimiters``: for a form, the separator of each array field
    sent as one delimited value (its ``encoding`` has ``explode: false``; Swagger 2.0's
    default ``collectionFormat`` is ``csv``); other array fields are repeated."""

    key: str  # as the spec writes it
    media: MediaType
    validator: SchemaValidator | None
    shape: Shape
    delimiters: dict[str, str]
    schema: Any = None  # as the spec writes it (for XML bodies, read by their schema)


@dataclass(frozen=True, slots=True)
class BodyPlan:
    required: bool
    media: tuple[BodyMedia, ...]
    listing: str  # "application/json, multipart/form-data"

    def declared(self) -> list[tuple[str, MediaType]]:
        return [(m.key, m.media) for m in self.media]

    def get(self, key: str) -> BodyMedia:
        return next(m for m in self.media if m.key == key)


@dataclass(frozen=True, slots=True)
class RequestPlan:
    """``offered``: every media type the operation answers with, for the ``406`` check;
    None when some response has no content (an empty answer needs no negotiating)."""

    operation: Operation
    path: tuple[ParamPlan, ...]
    query: tuple[ParamPlan, ...]
    header: tuple[ParamPlan, ...]
    cookie: tuple[ParamPlan, ...]
    query_names: frozenset[str]
    body: BodyPlan | None
    offered: tuple[str, ...] | None
    name: str  # "createCastle (POST /castles)"


_PLANS: weakref.WeakKeyDictionary[Spec, dict[int, tuple[Operation, RequestPlan]]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = Lock()


def plan_for(spec: Spec, operation: Operation) -> RequestPlan:
    """The plan for ``operation`` of ``spec``, made on first use."""
    plans = _PLANS.get(spec)
    if plans is None:
        with _LOCK:
            plans = _PLANS.setdefault(spec, {})
    cached = plans.get(id(operation))
    if cached is not None and cached[0] is operation:
        return cached[1]
    plan = _make(spec, operation)
    plans[id(operation)] = (operation, plan)
    return plan


def _credential_names(spec: Spec) -> set[tuple[str, str]]:
    """(location, lower-case name) of the API keys the security schemes declare."""
    found: set[tuple[str, str]] = set()
    for scheme in spec.security_schemes.values():
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey":
            found.add((str(scheme.get("in", "")), str(scheme.get("name", "")).lower()))
    return found


def _param(spec: Spec, parameter: Parameter, credentials: set[tuple[str, str]]) -> ParamPlan:
    schema: Any = parameter.schema
    content_media: MediaType | None = None
    if parameter.content:
        key, media_type = next(iter(parameter.content.items()))
        content_media = parse_media_type(key)
        schema = media_type.schema
    validator = None if schema is None else spec.validator_for(schema, direction="request")
    return ParamPlan(
        parameter=parameter,
        name=parameter.name,
        required=parameter.required,
        style=parameter.style,
        explode=parameter.explode,
        allow_empty=parameter.allow_empty_value,
        shape=shape_of(schema, spec.deref),
        validator=validator,
        subject=f"{_SUBJECTS[parameter.location]} {parameter.name!r}",
        wanted=summary(schema, spec.deref),
        content_media=content_media,
        secret=(parameter.location, parameter.name.lower()) in credentials
        or SECRET_NAME.search(parameter.name) is not None,
    )


def _body(spec: Spec, operation: Operation) -> BodyPlan | None:
    body = operation.request_body
    if body is None:
        return None
    media: list[BodyMedia] = []
    for key, media_type in body.content.items():
        parsed = parse_media_type(key)
        if parsed is None:
            continue  # not a media type; the load warned about it
        schema = media_type.schema
        validator = None if schema is None else spec.validator_for(schema, direction="request")
        shape = shape_of(schema, spec.deref)
        delimiters = _delimiters(spec, shape, media_type.encoding) if parsed.is_form else {}
        media.append(BodyMedia(key, parsed, validator, shape, delimiters, schema))
    return BodyPlan(body.required, tuple(media), ", ".join(body.content) or "(none documented)")


def _delimiters(spec: Spec, shape: Shape, encoding: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, prop in shape.properties.items():
        if prop.kind != "array":
            continue
        if spec.openapi_version == "2.0":
            found[name] = ","
            continue
        entry = encoding.get(name)
        entry = entry if isinstance(entry, dict) else {}
        style = entry.get("style", "form")
        if entry.get("explode", style == "form") is False:
            found[name] = _DELIMITERS.get(style, ",")
    return found


def _offered(operation: Operation) -> tuple[str, ...] | None:
    offered: list[str] = []
    for response in operation.responses.values():
        if not response.content:
            return None
        offered.extend(key for key in response.content if key not in offered)
    return tuple(offered) or None


def _make(spec: Spec, operation: Operation) -> RequestPlan:
    by_location: dict[str, list[ParamPlan]] = {"path": [], "query": [], "header": [], "cookie": []}
    credentials = _credential_names(spec)
    for parameter in operation.parameters:
        if parameter.location == "header" and parameter.name.lower() in IGNORED_HEADERS:
            continue
        by_location[parameter.location].append(_param(spec, parameter, credentials))
    return RequestPlan(
        operation=operation,
        path=tuple(by_location["path"]),
        query=tuple(by_location["query"]),
        header=tuple(by_location["header"]),
        cookie=tuple(by_location["cookie"]),
        query_names=frozenset(p.name for p in by_location["query"]),
        body=_body(spec, operation),
        offered=_offered(operation),
        name=f"{operation.operation_id} ({operation.method} {operation.path})",
    )
