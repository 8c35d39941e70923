"""Coverage: for each operation, response status and response body field of a spec, which
consumer versions (and tests) exercise it, from their recorded contract interactions; what
nobody exercises is safe to change. Pure: a `Spec` and an `ImpactIndex` in, a `Coverage`
out.

A use exercises the operation it was recorded against (by method and path template, else
operationId: the index's look-up), the status the spec documents for the status it got
(``404`` under ``"404"``, ``"4XX"`` or ``"default"``), and each field of that status's
response schemas that its recorded body held (`body_paths.touches`: a field read inside an
object exercises the object too). Fields are the schema's properties, refs followed (a
recursive schema stops where it comes round again), ``*`` for array items and for the values
of a map (``additionalProperties``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from entente_daemon.diff.body_paths import readable, touches
from entente_daemon.diff.impact_index import ImpactIndex, OperationKey, Use, place_of
from entente_daemon.openapi import Operation, Spec
from entente_daemon.openapi import pointer as jp

#: How deep response schemas are walked for fields.
MAX_FIELD_DEPTH = 12
#: At most this many fields are listed per response.
MAX_FIELDS = 2000


@dataclass(frozen=True)
class Exerciser:
    """A consumer version and the tests of it that exercise something (``None``: an
    interaction promoted by a person, not made by a test)."""

    consumer: str
    version: str
    tests: tuple[str | None, ...]

    def to_json(self) -> dict[str, Any]:
        return {"consumer": self.consumer, "version": self.version, "tests": list(self.tests)}


@dataclass(frozen=True)
class FieldCoverage:
    pointer: str  # "/*/region"
    used_by: tuple[Exerciser, ...]

    @property
    def name(self) -> str:
        return readable(self.pointer)

    @property
    def used(self) -> bool:
        return bool(self.used_by)


@dataclass(frozen=True)
class StatusCoverage:
    status: str  # "200", "4XX", "default"
    used_by: tuple[Exerciser, ...]
    fields: tuple[FieldCoverage, ...]

    @property
    def used(self) -> bool:
        return bool(self.used_by)


@dataclass(frozen=True)
class OperationCoverage:
    method: str
    path: str
    operation_id: str
    used_by: tuple[Exerciser, ...]
    statuses: tuple[StatusCoverage, ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def used(self) -> bool:
        return bool(self.used_by)


@dataclass(frozen=True)
class Coverage:
    """Every operation of the spec, in the spec's order. ``not_in_spec``: recorded
    operations (method, template) the spec does not have."""

    operations: tuple[OperationCoverage, ...]
    not_in_spec: tuple[OperationKey, ...] = ()

    @property
    def consumers(self) -> list[tuple[str, str]]:
        return sorted({(e.consumer, e.version) for o in self.operations for e in o.used_by})

    def unused(self) -> list[str]:
        """What nobody exercises, one line each: an operation, a status of a used operation,
        a field of a used status (``GET /castles/{id} 200 description``)."""
        lines: list[str] = []
        for operation in self.operations:
            if not operation.used:
                lines.append(operation.label)
                continue
            for status in operation.statuses:
                if not status.used:
                    lines.append(f"{operation.label} {status.status}")
                    continue
                lines.extend(
                    f"{operation.label} {status.status} {f.name}"
                    for f in status.fields
                    if not f.used
                )
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "consumers": [{"consumer": c, "version": v} for c, v in self.consumers],
            "operations": [
                {
                    "method": o.method,
                    "path": o.path,
                    "operation_id": o.operation_id,
                    "used": o.used,
                    "used_by": [e.to_json() for e in o.used_by],
                    "statuses": [
                        {
                            "status": s.status,
                            "used": s.used,
                            "used_by": [e.to_json() for e in s.used_by],
                            "fields": [
                                {
                                    "pointer": f.pointer,
                                    "name": f.name,
                                    "used": f.used,
                                    "used_by": [e.to_json() for e in f.used_by],
                                }
                                for f in s.fields
                            ],
                        }
                        for s in o.statuses
                    ],
                }
                for o in self.operations
            ],
            "unused": self.unused(),
            "not_in_spec": [{"method": m, "path": p} for m, p in self.not_in_spec],
        }


def coverage_of(spec: Spec, index: ImpactIndex) -> Coverage:
    """Who exercises what of ``spec`` (see the module docstring)."""
    operations = tuple(_operation(spec, op, index.uses_of(op)) for op in spec.operations)
    known = {place_of(op.method, op.path) for op in spec.operations}
    gone = sorted(index.keys() - known)
    return Coverage(
        operations, tuple((method, index.template((method, path))) for method, path in gone)
    )


def _operation(spec: Spec, operation: Operation, uses: list[Use]) -> OperationCoverage:
    by_status: dict[str, list[Use]] = {}
    for use in uses:
        documented = operation.response_for(use.status)
        if documented is not None:
            by_status.setdefault(documented.status, []).append(use)
    statuses = []
    for key, response in operation.responses.items():
        got = by_status.get(key, [])
        fields = []
        for pointer in _response_fields(spec, response.content.values()):
            readers = [u for u in got if touches(pointer, u.places, has_body=u.has_body)]
            fields.append(FieldCoverage(pointer, exercisers(readers)))
        statuses.append(StatusCoverage(key, exercisers(got), tuple(fields)))
    return OperationCoverage(
        operation.method, operation.path, operation.operation_id, exercisers(uses), tuple(statuses)
    )


def exercisers(uses: Iterable[Use]) -> tuple[Exerciser, ...]:
    """The consumer versions of ``uses`` with their tests, sorted."""
    tests: dict[tuple[str, str], set[str | None]] = {}
    for use in uses:
        tests.setdefault((use.consumer, use.consumer_version), set()).add(use.test_id)
    return tuple(
        Exerciser(consumer, version, tuple(sorted(found, key=lambda t: t or "")))
        for (consumer, version), found in sorted(tests.items())
    )


def _response_fields(spec: Spec, media_types: Iterable[Any]) -> list[str]:
    found: dict[str, None] = {}
    for media in media_types:
        if media.schema is not None:
            _fields(spec, media.schema, "", 0, frozenset(), found)
    return _without_object_items(found)


def schema_fields(spec: Spec, schema: Any) -> list[str]:
    """The body places a schema describes, in document order (see the module docstring)."""
    places: dict[str, None] = {}
    _fields(spec, schema, "", 0, frozenset(), places)
    return _without_object_items(places)


def _without_object_items(places: Iterable[str]) -> list[str]:
    """``/*`` is left out when ``/*/name`` is listed: an array of objects is read through
    its fields; an array of strings keeps its ``/*``."""
    listed = list(places)
    parents = {place.rsplit("/", 1)[0] for place in listed}
    return [p for p in listed if not (p.endswith("/*") and p in parents)]


def _fields(
    spec: Spec, schema: Any, at: str, depth: int, refs: frozenset[str], found: dict[str, None]
) -> None:
    if depth > MAX_FIELD_DEPTH or len(found) >= MAX_FIELDS:
        return
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if ref in refs:
            return  # a recursive schema: what follows was listed already
        refs = refs | {ref}
        try:
            schema = spec.resolve_ref(ref)
        except Exception:  # a ref that does not resolve has no fields to list
            return
    if not isinstance(schema, Mapping):
        return
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            place = jp.join(at, str(name))
            found.setdefault(place, None)
            _fields(spec, sub, place, depth + 1, refs, found)
    for key in ("items", "additionalProperties"):
        sub = schema.get(key)
        if isinstance(sub, Mapping):
            place = at + "/*"
            found.setdefault(place, None)
            _fields(spec, sub, place, depth + 1, refs, found)
    for keyword in ("allOf", "oneOf", "anyOf"):
        members = schema.get(keyword)
        for member in members if isinstance(members, list) else ():
            _fields(spec, member, at, depth + 1, refs, found)
