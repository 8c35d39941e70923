"""A schema flattened for comparison: `SchemaView`.

OpenAPI writes the same constraint several ways: ``nullable: true`` (3.0), ``type: [x,
"null"]`` (3.1), ``x-nullable`` (Swagger 2.0), ``anyOf: [X, {type: "null"}]``; ``allOf``
spreads an object over several schemas; ``$ref`` puts it elsewhere. A view is one schema
with all of that resolved one level deep: refs followed, ``allOf`` merged, the null branch
taken out of ``oneOf``/``anyOf``. Children (properties, items, branches) stay as `Sub`
(raw node, pointer) and are viewed when the comparison reaches them, so recursive schemas
cost nothing here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from entente_daemon.openapi import pointer as jp

#: (raw schema node, its JSON pointer in the bundled document)
Sub = tuple[Any, str]
#: (bound value, exclusive?)
Bound = tuple[float, bool]
#: follows an internal ref: "#/components/schemas/X" → the node
Resolve = Callable[[str], Any]

_MAX_REF_CHAIN = 64


@dataclass(frozen=True)
class SchemaView:
    types: frozenset[str] | None = None  # None: any type
    nullable: bool = False
    format: str | None = None
    pattern: str | None = None
    enum: tuple[Any, ...] | None = None
    maximum: Bound | None = None
    minimum: Bound | None = None
    max_length: int | None = None
    min_length: int | None = None
    max_items: int | None = None
    min_items: int | None = None
    properties: dict[str, Sub] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    additional: Sub | bool | None = None  # None: not said (open)
    items: Sub | None = None
    branches: tuple[Sub, ...] = ()  # oneOf + anyOf alternatives, the null one taken out
    read_only: bool = False
    write_only: bool = False


EMPTY = SchemaView()


def enum_key(value: Any) -> str:
    """A hashable, order-free key for an enum value (values may be lists or objects)."""
    if isinstance(value, str):
        return "s" + value
    return json.dumps(value, sort_keys=True, default=str)


def deref(node: Any, pointer: str, resolve: Resolve) -> Sub:
    """Follow a chain of ``$ref``s: the target and its pointer (a broken ref: the node)."""
    for _ in range(_MAX_REF_CHAIN):
        if not isinstance(node, dict):
            break
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            break
        try:
            target = resolve(ref)
        except Exception:  # a broken ref is the loader's to report; compare it as written
            break
        pointer = jp.from_fragment(ref[1:])
        if len(node) > 1:  # 3.1: siblings of $ref apply too; keep them beside the target
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return {"allOf": [target, siblings]}, pointer
        node = target
    return node, pointer


class ViewBuilder:
    """Builds and caches views by node identity (the documents outlive the builder)."""

    def __init__(self, resolve: Resolve) -> None:
        self.resolve = resolve
        self._cache: dict[int, tuple[Any, SchemaView]] = {}
        self._building: set[int] = set()

    def view(self, node: Any, pointer: str) -> SchemaView:
        """The view of a node already dereferenced (see `deref`)."""
        key = id(node)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is node:
            return cached[1]
        if key in self._building:  # allOf that loops back: nothing more to learn
            return EMPTY
        self._building.add(key)
        try:
            result = self._build(node, pointer)
        finally:
            self._building.discard(key)
        self._cache[key] = (node, result)
        return result

    def view_of(self, sub: Sub) -> SchemaView:
        return self.view(*deref(sub[0], sub[1], self.resolve))

    def _build(self, node: Any, pointer: str) -> SchemaView:
        if not isinstance(node, dict):
            return EMPTY  # True / False / junk: compared as "anything"
        own = _own_view(node, pointer)
        members: list[SchemaView] = []
        branches = own.branches
        if branches:
            nullable = own.nullable
            kept: list[Sub] = []
            for branch in branches:
                target, at = deref(branch[0], branch[1], self.resolve)
                if _is_null_schema(target):
                    nullable = True
                else:
                    kept.append((target, at))
            if len(kept) == 1 and len(branches) > 1:
                # ``anyOf: [X, null]``: X itself, nullable
                members.append(self.view_of(kept[0]))
                kept = []
            own = replace(own, branches=tuple(kept), nullable=nullable)
        all_of = node.get("allOf")
        if isinstance(all_of, list):
            for i, member in enumerate(all_of):
                members.append(self.view_of((member, jp.join(pointer, "allOf", i))))
        if not members:
            return own
        return _merge(own, members)


def _is_null_schema(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    kind = node.get("type")
    return kind == "null" or kind == ["null"] or (node.get("enum") == [None])


def _bound(node: dict[str, Any], key: str, exclusive_key: str) -> Bound | None:
    value = node.get(key)
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    exclusive = node.get(exclusive_key)
    if isinstance(exclusive, bool) or exclusive is None:  # 3.0 / 2.0: a flag
        return None if number is None else (float(number), bool(exclusive))
    if isinstance(exclusive, int | float):  # 3.1: the bound itself
        if number is not None and (
            (key == "maximum" and number < exclusive) or (key == "minimum" and number > exclusive)
        ):
            return (float(number), False)
        return (float(exclusive), True)
    return None


def _int(node: dict[str, Any], key: str) -> int | None:
    value = node.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _own_view(node: dict[str, Any], pointer: str) -> SchemaView:
    """What the node says itself, before allOf and branches are resolved."""
    raw_type = node.get("type")
    nullable = node.get("nullable") is True or node.get("x-nullable") is True
    types: frozenset[str] | None
    if isinstance(raw_type, str):
        types = frozenset((raw_type,))
    elif isinstance(raw_type, list):
        names = {str(t) for t in raw_type}
        nullable = nullable or "null" in names
        names.discard("null")
        types = frozenset(names) if names else None
    else:
        types = None
    properties_raw = node.get("properties")
    properties: dict[str, Sub] = {}
    if isinstance(properties_raw, dict):
        base = jp.join(pointer, "properties")
        properties = {str(k): (v, jp.join(base, str(k))) for k, v in properties_raw.items()}
    if types is None and (properties or "additionalProperties" in node):
        types = frozenset(("object",))
    items_raw = node.get("items")
    items: Sub | None = None
    if isinstance(items_raw, dict | bool):
        items = (items_raw, jp.join(pointer, "items"))
        if types is None:
            types = frozenset(("array",))
    enum: tuple[Any, ...] | None = None
    if isinstance(node.get("enum"), list):
        enum = tuple(node["enum"])
    elif "const" in node:
        enum = (node["const"],)
    if enum is not None and None in enum:
        nullable = True
        enum = tuple(v for v in enum if v is not None)
    additional_raw = node.get("additionalProperties")
    additional: Sub | bool | None
    if isinstance(additional_raw, bool):
        additional = additional_raw
    elif isinstance(additional_raw, dict):
        additional = (
            True
            if not additional_raw
            else (
                additional_raw,
                jp.join(pointer, "additionalProperties"),
            )
        )
    else:
        additional = None
    branches: list[Sub] = []
    for key in ("oneOf", "anyOf"):
        raw = node.get(key)
        if isinstance(raw, list):
            branches.extend((b, jp.join(pointer, key, i)) for i, b in enumerate(raw))
    required_raw = node.get("required")
    required = (
        frozenset(str(r) for r in required_raw) if isinstance(required_raw, list) else frozenset()
    )
    fmt = node.get("format")
    pattern = node.get("pattern")
    return SchemaView(
        types=types,
        nullable=nullable,
        format=fmt if isinstance(fmt, str) else None,
        pattern=pattern if isinstance(pattern, str) else None,
        enum=enum,
        maximum=_bound(node, "maximum", "exclusiveMaximum"),
        minimum=_bound(node, "minimum", "exclusiveMinimum"),
        max_length=_int(node, "maxLength"),
        min_length=_int(node, "minLength"),
        max_items=_int(node, "maxItems"),
        min_items=_int(node, "minItems"),
        properties=properties,
        required=required,
        additional=additional,
        items=items,
        branches=tuple(branches),
        read_only=node.get("readOnly") is True,
        write_only=node.get("writeOnly") is True,
    )


def _tighter(a: Any, b: Any, *, low: bool) -> Any:
    """The tighter of two bounds (None is no bound); ``low`` for lower bounds."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b) if low else min(a, b)


def _merge(own: SchemaView, members: list[SchemaView]) -> SchemaView:
    """``allOf``: every member applies; the node's own keywords are one more member."""
    merged = own
    for m in members:
        if merged.types is None:
            types = m.types
        elif m.types is None:
            types = merged.types
        else:
            types = merged.types & m.types or merged.types
        properties = dict(m.properties)
        properties.update(merged.properties)
        additional = merged.additional if merged.additional is not None else m.additional
        if m.additional is False:
            additional = False
        merged = replace(
            merged,
            types=types,
            format=merged.format or m.format,
            pattern=merged.pattern or m.pattern,
            enum=merged.enum if merged.enum is not None else m.enum,
            maximum=_tighter(merged.maximum, m.maximum, low=False),
            minimum=_tighter(merged.minimum, m.minimum, low=True),
            max_length=_tighter(merged.max_length, m.max_length, low=False),
            min_length=_tighter(merged.min_length, m.min_length, low=True),
            max_items=_tighter(merged.max_items, m.max_items, low=False),
            min_items=_tighter(merged.min_items, m.min_items, low=True),
            properties=properties,
            required=merged.required | m.required,
            additional=additional,
            items=merged.items or m.items,
            branches=merged.branches + m.branches,
            read_only=merged.read_only or m.read_only,
            write_only=merged.write_only or m.write_only,
        )
    nullable = own.nullable or all(m.nullable for m in members)
    return replace(merged, nullable=nullable)
