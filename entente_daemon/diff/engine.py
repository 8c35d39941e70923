"""`diff_specs`: every change between two loaded specs, by the rules of the catalogue.

Operations are paired by (method, path template with its variable names blanked), so
``/castles/{id}`` and ``/castles/{castleId}`` are one path (the rename is reported, at info
level). Schemas are compared by `SchemaComparer`, memoised by node identity: a spec pair is
walked once per distinct (old schema, new schema, side), however many operations share it.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager

from entente_daemon.diff.changes import Change, DiffReport, Side
from entente_daemon.diff.emit import Emitter, Place
from entente_daemon.diff.operations import OperationComparer
from entente_daemon.diff.schemas import SchemaComparer
from entente_daemon.openapi import pointer as jp
from entente_daemon.openapi.index import template_variables
from entente_daemon.openapi.model import Operation
from entente_daemon.openapi.spec import Spec

_VARIABLE = re.compile(r"\{[^{}/]+\}")
_SIDE_ORDER = {Side.SPEC: 0, Side.REQUEST: 1, Side.RESPONSE: 2}

#: (method, path template) as the operation index writes them; the method in any case
OperationKey = tuple[str, str]


def path_shape(template: str) -> str:
    """A path template with its variables blanked: ``/castles/{id}`` → ``/castles/{}``."""
    return _VARIABLE.sub("{}", template)


def _key(operation: Operation) -> tuple[str, str]:
    return operation.method.lower(), path_shape(operation.path)


def diff_specs(old: Spec, new: Spec, *, only: Collection[OperationKey] | None = None) -> DiffReport:
    """All changes from ``old`` to ``new``. With ``only``, just the operations named there
    (``("get", "/castles/{id}")``, by either spec's template) and no spec-level rules: for a
    caller that knows which operations' text changed (the daemon on a save)."""
    with _collector_paused():
        return _diff(old, new, only)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while diffing: a diff allocates many small objects
    beside two large parsed documents, and each full collection walks both documents (a
    third of the time on Stripe's spec, `bench_diff`). Nothing here makes cycles to free."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _diff(old: Spec, new: Spec, only: Collection[OperationKey] | None) -> DiffReport:
    emitter = Emitter(old, new)
    schemas = SchemaComparer(old.resolve_ref, new.resolve_ref)
    operations = OperationComparer(emitter, schemas)
    wanted = None if only is None else {(m.lower(), path_shape(p)) for m, p in only}
    old_ops = {_key(op): op for op in old.operations}
    new_ops = {_key(op): op for op in new.operations}
    new_shapes = {shape for _, shape in new_ops}
    old_shapes = {shape for _, shape in old_ops}
    for key, before in old_ops.items():
        if wanted is not None and key not in wanted:
            continue
        after = new_ops.get(key)
        if after is None:
            gone_path = key[1] not in new_shapes
            emitter.emit(
                "path-removed" if gone_path else "operation-removed",
                Place(path=before.path, method=key[0]),
                "path removed" if gone_path else "operation removed",
                spec_pointer=before.pointer,
                gone=True,
            )
            continue
        operations.compare(before, after, _renames(before.path, after.path))
    for key, after in new_ops.items():
        if key in old_ops or (wanted is not None and key not in wanted):
            continue
        new_path = key[1] not in old_shapes
        emitter.emit(
            "path-added" if new_path else "operation-added",
            Place(path=after.path, method=key[0]),
            "new path" if new_path else "new operation",
            spec_pointer=after.pointer,
        )
    if only is None:
        _servers(emitter)
        _security_schemes(emitter)
    return DiffReport(tuple(sorted(emitter.changes, key=_order)))


def diff_operations(old: Spec, new: Spec, only: Iterable[OperationKey]) -> DiffReport:
    """`diff_specs` limited to the operations in ``only``."""
    return diff_specs(old, new, only=set(only))


def _renames(old_path: str, new_path: str) -> dict[str, str]:
    return {
        a: b
        for a, b in zip(template_variables(old_path), template_variables(new_path), strict=False)
        if a != b
    }


def _order(change: Change) -> tuple[str, str, int, str, str, str, str]:
    where = change.location
    return (
        where.path or "",
        where.method or "",
        _SIDE_ORDER[change.side],
        where.parameter or "",
        where.status or "",
        where.pointer,
        change.rule,
    )


def _servers(emitter: Emitter) -> None:
    served = {path for server in emitter.new.servers for path in server.base_paths}
    for i, server in enumerate(emitter.old.servers):
        base = server.base_paths[0] if server.base_paths else ""
        if base not in served:
            new_bases = sorted({s.base_paths[0] for s in emitter.new.servers if s.base_paths})
            pointer = "/basePath" if emitter.old.openapi_version == "2.0" else f"/servers/{i}/url"
            emitter.emit(
                "server-base-path-changed",
                Place(),
                f"base path {base or '/'!r} no longer served (now {new_bases})",
                spec_pointer=pointer,
                gone=True,
                old=base,
                new=new_bases,
            )


_SCHEME_FIELDS = ("type", "in", "name", "scheme")


def _security_schemes(emitter: Emitter) -> None:
    old_schemes = emitter.old.security_schemes
    new_schemes = emitter.new.security_schemes
    new_base = (
        "/securityDefinitions"
        if emitter.new.openapi_version == "2.0"
        else ("/components/securitySchemes")
    )
    old_base = (
        "/securityDefinitions"
        if emitter.old.openapi_version == "2.0"
        else ("/components/securitySchemes")
    )
    for name, before in old_schemes.items():
        after = new_schemes.get(name)
        if after is None:
            emitter.emit(
                "security-scheme-removed",
                Place(),
                f"security scheme {name!r} removed",
                spec_pointer=jp.join(old_base, name),
                gone=True,
            )
            continue
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        old_fields = {k: _lower(before.get(k)) for k in _SCHEME_FIELDS}
        new_fields = {k: _lower(after.get(k)) for k in _SCHEME_FIELDS}
        if _basic(old_fields) != _basic(new_fields):
            changed = [k for k in _SCHEME_FIELDS if old_fields[k] != new_fields[k]]
            emitter.emit(
                "security-scheme-changed",
                Place(),
                f"security scheme {name!r}: {', '.join(changed)} changed",
                spec_pointer=jp.join(new_base, name),
                old={k: before.get(k) for k in changed},
                new={k: after.get(k) for k in changed},
            )


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _basic(fields: dict[str, object]) -> dict[str, object]:
    """Swagger 2.0 ``type: basic`` is OpenAPI 3's ``http`` with ``scheme: basic``."""
    if fields.get("type") == "basic":
        return {**fields, "type": "http", "scheme": "basic"}
    return fields
