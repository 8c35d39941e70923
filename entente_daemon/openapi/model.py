"""The operation index: plain, immutable data about every operation of a spec.

Nothing here reads files or follows refs; `entente_daemon.openapi.index` builds these from the
bundled document. Schemas are kept exactly as the document has them (JSON Schema dicts that
may contain internal ``$ref``s such as ``#/components/schemas/Castle``), so the same object
can be handed to `Spec.validator_for` or looked up in `Spec.document`. Every object carries
the JSON ``pointer`` in `Spec.document` it was read from, for messages and look-ups.

Swagger 2.0 operations are normalised into this same shape (see `swagger2`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

#: A JSON Schema: a mapping, or ``True``/``False``. Kept as written, refs and all.
Schema: TypeAlias = Any

ParameterLocation: TypeAlias = Literal["path", "query", "header", "cookie"]
OpenAPIVersion: TypeAlias = Literal["2.0", "3.0", "3.1"]

HTTP_METHODS: tuple[str, ...] = (
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
)


@dataclass(frozen=True, slots=True)
class Example:
    """A named Example Object, or a single ``example`` value (then only ``value`` is set)."""

    value: Any = None
    summary: str | None = None
    description: str | None = None
    external_value: str | None = None


@dataclass(frozen=True, slots=True)
class MediaType:
    media_type: str
    schema: Schema | None
    example: Example | None = None
    examples: dict[str, Example] = field(default_factory=dict)
    encoding: dict[str, Any] = field(default_factory=dict)
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter, with the OpenAPI defaults filled in (``style``, ``explode``,
    ``required`` for path parameters). Exactly one of ``schema`` and ``content`` is set in a
    valid spec. ``declared`` is False for a path-template variable the spec forgot to
    declare (Entente adds it as a required string so matching and validation still work)."""

    name: str
    location: ParameterLocation
    required: bool
    schema: Schema | None
    style: str
    explode: bool
    description: str | None = None
    deprecated: bool = False
    allow_empty_value: bool = False
    allow_reserved: bool = False
    example: Example | None = None
    examples: dict[str, Example] = field(default_factory=dict)
    content: dict[str, MediaType] = field(default_factory=dict)
    pointer: str = ""
    declared: bool = True

    @property
    def key(self) -> tuple[str, str]:
        """What identifies a parameter: (name, location); header names ignore case."""
        if self.location == "header":
            return (self.name.lower(), self.location)
        return (self.name, self.location)


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    required: bool
    schema: Schema | None
    description: str | None = None
    deprecated: bool = False
    style: str = "simple"
    explode: bool = False
    example: Example | None = None
    examples: dict[str, Example] = field(default_factory=dict)
    content: dict[str, MediaType] = field(default_factory=dict)
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class RequestBody:
    required: bool
    content: dict[str, MediaType]
    description: str | None = None
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class Response:
    """One entry of an operation's ``responses``: ``status`` is ``"200"``, ``"4XX"`` or
    ``"default"``."""

    status: str
    description: str
    content: dict[str, MediaType] = field(default_factory=dict)
    headers: dict[str, Header] = field(default_factory=dict)
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class ServerVariable:
    default: str
    enum: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Server:
    """A server entry. ``base_paths`` are the URL path prefixes it serves under, with
    variables substituted (default first, then each enum value): ``("/api",)`` for
    ``/api``, ``("/v1", "/v2")`` for ``https://{host}/v{major}`` with ``major`` in 1, 2, and
    ``("",)`` for a server at the root."""

    url: str
    base_paths: tuple[str, ...]
    description: str | None = None
    variables: dict[str, ServerVariable] = field(default_factory=dict)


SecurityRequirement: TypeAlias = dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation. ``method`` is upper case; ``path`` is the template as written in the
    spec (``/castles/{id}``). ``parameters`` merges path-level and operation-level ones (the
    operation's win, by name and location). ``security`` is the effective requirement list
    (the operation's, else the document's; None if neither says anything; an empty tuple
    means explicitly no security). ``servers`` are the effective servers (operation, path
    item, else document)."""

    method: str
    path: str
    operation_id: str
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: dict[str, Response]
    servers: tuple[Server, ...]
    operation_id_synthesised: bool = False
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    security: tuple[SecurityRequirement, ...] | None = None
    pointer: str = ""
    file: Path | None = None
    line: int | None = None

    def parameter(self, name: str, location: str) -> Parameter | None:
        key = (name.lower(), location) if location == "header" else (name, location)
        for parameter in self.parameters:
            if parameter.key == key:
                return parameter
        return None

    def parameters_in(self, location: str) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == location)

    def response_for(self, status: int) -> Response | None:
        """The response documented for ``status``: the exact code, else its range
        (``4XX``), else ``default``."""
        return (
            self.responses.get(str(status))
            or self.responses.get(f"{status // 100}XX")
            or self.responses.get("default")
        )

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.operation_id})"
