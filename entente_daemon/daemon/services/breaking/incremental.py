"""Which operations a save changed, so that only those are diffed again.

Two loaded specs (bundled documents: the only refs left are internal) are compared by parts:
a path item that differs changes its operations; a component that differs changes every
operation that reaches it (through other components too); anything else at the top level
(servers, security, the version of OpenAPI...) changes everything (`EVERYTHING`).
Comparing dicts is much cheaper than diffing them, and a save usually touches one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from entente_daemon.openapi import Spec

#: (method lower case, path template)
OperationKey = tuple[str, str]
#: "Diff it all": the spec-wide parts changed.
EVERYTHING = None

METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
#: Top-level keys whose change only shows through the paths or components compared below.
_BY_PART = frozenset({"paths", "components", "definitions", "parameters", "responses"})
_IGNORED = frozenset({"info", "tags", "externalDocs"})  # never a break on their own


def changed_operations(before: Spec, after: Spec) -> set[OperationKey] | None:
    """The operations whose definition differs between ``before`` and ``after`` (either
    side's), or `EVERYTHING` when a spec-wide part changed."""
    old, new = before.document, after.document
    for key in (old.keys() | new.keys()) - _BY_PART - _IGNORED:
        if old.get(key) != new.get(key):
            return EVERYTHING
    changed: set[OperationKey] = set()
    old_paths, new_paths = _mapping(old.get("paths")), _mapping(new.get("paths"))
    for path in old_paths.keys() | new_paths.keys():
        if old_paths.get(path) != new_paths.get(path):
            changed |= _operations_of(path, old_paths.get(path))
            changed |= _operations_of(path, new_paths.get(path))
    refs = _changed_components(old, new)
    if refs:
        if any(ref.startswith("#/components/securitySchemes/") for ref in refs):
            return EVERYTHING
        changed |= _reaching(new, refs) | _reaching(old, refs)
    return changed


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _operations_of(path: str, item: Any) -> set[OperationKey]:
    return {(m.lower(), path) for m in _mapping(item) if m.lower() in METHODS}


def _component_refs(document: dict[str, Any]) -> dict[str, Any]:
    """Every reusable part by the ref that names it: ``#/components/schemas/Castle``."""
    found: dict[str, Any] = {}
    for section, prefix in (
        ("components", "#/components/"),
        ("definitions", "#/definitions/"),
        ("parameters", "#/parameters/"),
        ("responses", "#/responses/"),
    ):
        parts = _mapping(document.get(section))
        if section == "components":
            for kind, entries in parts.items():
                for name, value in _mapping(entries).items():
                    found[f"{prefix}{kind}/{_escape(name)}"] = value
        else:
            for name, value in parts.items():
                found[f"{prefix}{_escape(name)}"] = value
    return found


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _changed_components(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    if all(
        old.get(s) == new.get(s) for s in ("components", "definitions", "parameters", "responses")
    ):
        return set()
    before, after = _component_refs(old), _component_refs(new)
    return {ref for ref in before.keys() | after.keys() if before.get(ref) != after.get(ref)}


def _reaching(document: dict[str, Any], targets: set[str]) -> set[OperationKey]:
    """The operations of ``document`` that reach one of ``targets`` through refs (the
    components that refer to a target, to those, and so on: recursion ends by itself)."""
    referrers: dict[str, set[str]] = {}
    for ref, value in _component_refs(document).items():
        for target in _refs_in(value):
            referrers.setdefault(target, set()).add(ref)
    closure, todo = set(targets), list(targets)
    while todo:
        for referrer in referrers.get(todo.pop(), ()):
            if referrer not in closure:
                closure.add(referrer)
                todo.append(referrer)
    found: set[OperationKey] = set()
    for path, item in _mapping(document.get("paths")).items():
        shared = {k: v for k, v in _mapping(item).items() if k.lower() not in METHODS}
        if any(ref in closure for ref in _refs_in(shared)):  # path-level parameters
            found |= _operations_of(path, item)
            continue
        for method, operation in _mapping(item).items():
            if method.lower() in METHODS and any(r in closure for r in _refs_in(operation)):
                found.add((method.lower(), path))
    return found


def _refs_in(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
