"""Flatten a schema: follow its ``$ref``, merge its ``allOf`` members, normalise the dialects.

The generator works from a :class:`Flat`: every constraint that applies to one value, merged
(tightest bounds, intersected types and enums, properties from all members, required names
united). Subschemas (properties, items, branches) stay unflattened, so flattening is shallow and
recursive schemas do not unfold here. Constraints that cannot be merged into one (several
patterns, ``not``, ``oneOf``) are kept as lists; the final validation is the judge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeGuard

from entente_daemon.mock.generate.numbers import Bounds

Schema = Mapping[str, Any] | bool
Lookup = Callable[[str], Schema | None]
Dialect = Literal["3.0", "3.1"]

_MAX_DEPTH = 32
_INTEGER_FORMATS = frozenset({"int32", "int64"})
_NUMBER_FORMATS = frozenset({"float", "double"})
_OBJECT_KEYWORDS = frozenset(
    {
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "dependentRequired",
        "unevaluatedProperties",
    }
)
_ARRAY_KEYWORDS = frozenset(
    {"items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"}
)
_NUMBER_KEYWORDS = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)
_STRING_KEYWORDS = frozenset({"minLength", "maxLength", "pattern"})


@dataclass(slots=True)
class Choice:
    """A ``oneOf`` or ``anyOf``, with the discriminator next to it."""

    exclusive: bool
    branches: list[Schema]
    discriminator: Mapping[str, Any] | None


@dataclass(slots=True)
class Flat:
    types: tuple[str, ...] | None = None  # None: any type
    kinds: list[str] = field(default_factory=list)  # types the keywords suggest, in order
    false: bool = False  # a `false` schema was merged: nothing is valid
    refs: list[str] = field(default_factory=list)
    examples: list[Any] = field(default_factory=list)
    enum: list[Any] | None = None
    const: list[Any] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    # numbers
    bounds: Bounds = field(default_factory=Bounds)
    multiple_of: list[int | float] = field(default_factory=list)
    # strings
    min_length: int = 0
    max_length: int | None = None
    patterns: list[str] = field(default_factory=list)
    # arrays
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False
    items: list[Schema] = field(default_factory=list)
    items_closed: bool = False
    prefix: list[list[Schema]] = field(default_factory=list)
    contains: list[Schema] = field(default_factory=list)
    min_contains: int = 1
    # objects
    properties: dict[str, list[Schema]] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    additional: list[Schema] = field(default_factory=list)
    closed: list[tuple[frozenset[str], tuple[str, ...]]] = field(default_factory=list)
    no_extras: bool = False
    pattern_properties: dict[str, list[Schema]] = field(default_factory=dict)
    property_names: list[Schema] = field(default_factory=list)
    min_properties: int = 0
    max_properties: int | None = None
    dependent_required: dict[str, list[str]] = field(default_factory=dict)
    # combinators
    choices: list[Choice] = field(default_factory=list)
    nots: list[Schema] = field(default_factory=list)
    discriminator: Mapping[str, Any] | None = None

    def copy(self) -> Flat:
        """A copy whose containers can be extended without touching this one."""
        other = replace(self)
        for name in (
            "kinds", "refs", "examples", "const", "formats", "multiple_of", "patterns", "items",
            "prefix", "contains", "required", "additional", "closed", "property_names",
            "choices", "nots",
        ):  # fmt: skip
            setattr(other, name, list(getattr(self, name)))
        other.enum = None if self.enum is None else list(self.enum)
        other.bounds = Bounds(
            self.bounds.low, self.bounds.low_exclusive, self.bounds.high, self.bounds.high_exclusive
        )
        other.properties = {name: list(value) for name, value in self.properties.items()}
        other.pattern_properties = {k: list(v) for k, v in self.pattern_properties.items()}
        other.dependent_required = {k: list(v) for k, v in self.dependent_required.items()}
        return other


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same_value(left: object, right: object) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return left == right and isinstance(left, bool) == isinstance(right, bool)


def intersect_types(left: tuple[str, ...], right: tuple[str, ...]) -> tuple[str, ...]:
    """Types allowed by both; an integer is a number."""
    out: list[str] = []
    for name in left:
        if name in right:
            kept = name
        elif {name, *right} >= {"integer", "number"} and name in ("integer", "number"):
            kept = "integer"
        else:
            continue
        if kept not in out:
            out.append(kept)
    return tuple(out)


def declared_types(schema: Mapping[str, Any], dialect: Dialect) -> tuple[str, ...] | None:
    declared = schema.get("type")
    if isinstance(declared, str):
        types: tuple[str, ...] = (declared,)
    elif isinstance(declared, list):
        types = tuple(name for name in declared if isinstance(name, str))
    else:
        return None
    # OAS 3.0: nullable counts only next to a type, within one schema object.
    if dialect == "3.0" and schema.get("nullable") is True and "null" not in types:
        types += ("null",)
    return types


def flatten(schema: Schema, lookup: Lookup, dialect: Dialect) -> Flat:
    flat = Flat()
    absorb(flat, schema, lookup, dialect)
    return flat


def absorb(
    flat: Flat,
    schema: Schema,
    lookup: Lookup,
    dialect: Dialect,
    depth: int = 0,
    chain: frozenset[str] = frozenset(),
) -> None:
    """Merge ``schema`` (and what its ``$ref`` and ``allOf`` bring) into ``flat``."""
    if schema is True or depth > _MAX_DEPTH:
        return
    if not isinstance(schema, dict | Mapping):
        flat.false = True
        return
    examples_at = len(flat.examples)
    ref = schema.get("$ref")
    if isinstance(ref, str):
        flat.refs.append(ref)
        if ref not in chain:  # an allOf cycle adds nothing new
            target = lookup(ref)
            if target is not None:
                absorb(flat, target, lookup, dialect, depth + 1, chain | {ref})
    members = schema.get("allOf")
    if isinstance(members, list):
        for member in members:
            absorb(flat, member, lookup, dialect, depth + 1, chain)
    _absorb_own(flat, schema, dialect, examples_at)


def _absorb_own(flat: Flat, schema: Mapping[str, Any], dialect: Dialect, examples_at: int) -> None:
    if "example" in schema or "examples" in schema or "default" in schema:
        own: list[Any] = [schema["example"]] if "example" in schema else []
        examples = schema.get("examples")
        if isinstance(examples, list):
            own.extend(examples)
        if "default" in schema:
            own.append(schema["default"])
        flat.examples[examples_at:examples_at] = own
    kinds = flat.kinds
    for key, value in schema.items():
        kind = _KIND_OF_KEYWORD.get(key)
        if kind is not None and kind not in kinds:
            kinds.append(kind)
        handler = _HANDLERS.get(key)
        if handler is not None:
            handler(flat, value, schema, dialect)


Handler = Callable[[Flat, Any, Mapping[str, Any], Dialect], None]


def _type(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    types = declared_types(schema, dialect)
    if types is not None:
        flat.types = types if flat.types is None else intersect_types(flat.types, types)


def _enum(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, list):
        if flat.enum is None:
            flat.enum = list(value)
        else:
            flat.enum = [v for v in flat.enum if any(same_value(v, w) for w in value)]


def _format(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, str):
        flat.formats.append(value)
        implied = "integer" if value in _INTEGER_FORMATS else "string"
        implied = "number" if value in _NUMBER_FORMATS else implied
        if implied not in flat.kinds:
            flat.kinds.append(implied)


def _minimum(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if is_number(value):  # 3.0: exclusiveMinimum is a boolean modifier
        flat.bounds.raise_low(value, schema.get("exclusiveMinimum") is True)


def _exclusive_minimum(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if is_number(value):  # 3.1: a bound of its own
        flat.bounds.raise_low(value, True)


def _maximum(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if is_number(value):
        flat.bounds.lower_high(value, schema.get("exclusiveMaximum") is True)


def _exclusive_maximum(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if is_number(value):
        flat.bounds.lower_high(value, True)


def _multiple_of(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if is_number(value) and value > 0:
        flat.multiple_of.append(value)


def _min_length(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, int):
        flat.min_length = max(flat.min_length, value)


def _max_length(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, int):
        flat.max_length = value if flat.max_length is None else min(flat.max_length, value)


def _pattern(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, str) and value not in flat.patterns:
        flat.patterns.append(value)


def _min_items(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, int):
        flat.min_items = max(flat.min_items, value)


def _max_items(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, int):
        flat.max_items = value if flat.max_items is None else min(flat.max_items, value)


def _unique_items(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    flat.unique = flat.unique or value is True


def _items(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, list):  # draft-4 tuple form
        flat.prefix.append(list(value))
        value = schema.get("additionalItems")
    if value is False:
        flat.items_closed = True
    elif isinstance(value, Mapping):
        flat.items.append(value)


def _prefix_items(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, list):
        flat.prefix.append(list(value))


def _contains(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, Mapping | bool):
        flat.contains.append(value)
        least = schema.get("minContains")
        if isinstance(least, int):
            first = len(flat.contains) == 1
            flat.min_contains = least if first else max(flat.min_contains, least)


def _properties(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, Mapping):
        for name, subschema in value.items():
            flat.properties.setdefault(name, []).append(subschema)


def _required(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, list):
        required = flat.required
        required.extend(name for name in value if isinstance(name, str) and name not in required)


def _pattern_properties(
    flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect
) -> None:
    if isinstance(value, Mapping):
        for pattern, subschema in value.items():
            flat.pattern_properties.setdefault(pattern, []).append(subschema)


def _additional_properties(
    flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect
) -> None:
    if value is False:
        names = schema.get("properties")
        pattern_map = schema.get("patternProperties")
        flat.closed.append(
            (
                frozenset(names if isinstance(names, Mapping) else ()),
                tuple(pattern_map if isinstance(pattern_map, Mapping) else ()),
            )
        )
    elif isinstance(value, Mapping) and value:
        flat.additional.append(value)


def _unevaluated_properties(
    flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect
) -> None:
    flat.no_extras = flat.no_extras or value is False


def _property_names(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, Mapping):
        flat.property_names.append(value)


def _min_properties(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, int):
        flat.min_properties = max(flat.min_properties, value)


def _max_properties(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    if isinstance(value, int):
        current = flat.max_properties
        flat.max_properties = value if current is None else min(current, value)


def _dependent_required(
    flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect
) -> None:
    if isinstance(value, Mapping):
        for name, needed in value.items():
            if isinstance(needed, list):  # draft-4 "dependencies" may also hold schemas
                flat.dependent_required.setdefault(name, []).extend(needed)


def _choice(exclusive: bool) -> Handler:
    def handler(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
        if isinstance(value, list) and value:
            discriminator = schema.get("discriminator")
            if not isinstance(discriminator, Mapping):
                discriminator = None
            flat.choices.append(Choice(exclusive, list(value), discriminator))

    return handler


def _discriminator(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    # Next to oneOf/anyOf it goes with the Choice; alone it marks an allOf parent.
    alone = "oneOf" not in schema and "anyOf" not in schema
    if alone and isinstance(value, Mapping) and flat.discriminator is None:
        flat.discriminator = value


def _not(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    flat.nots.append(value)


def _const(flat: Flat, value: Any, schema: Mapping[str, Any], dialect: Dialect) -> None:
    flat.const.append(value)


_HANDLERS: dict[str, Handler] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "format": _format,
    "minimum": _minimum,
    "exclusiveMinimum": _exclusive_minimum,
    "maximum": _maximum,
    "exclusiveMaximum": _exclusive_maximum,
    "multipleOf": _multiple_of,
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": _pattern,
    "minItems": _min_items,
    "maxItems": _max_items,
    "uniqueItems": _unique_items,
    "items": _items,
    "prefixItems": _prefix_items,
    "contains": _contains,
    "properties": _properties,
    "required": _required,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "unevaluatedProperties": _unevaluated_properties,
    "propertyNames": _property_names,
    "minProperties": _min_properties,
    "maxProperties": _max_properties,
    "dependentRequired": _dependent_required,
    "dependencies": _dependent_required,
    "oneOf": _choice(exclusive=True),
    "anyOf": _choice(exclusive=False),
    "discriminator": _discriminator,
    "not": _not,
}
_KIND_OF_KEYWORD: dict[str, str] = {
    **dict.fromkeys(_OBJECT_KEYWORDS, "object"),
    **dict.fromkeys(_ARRAY_KEYWORDS, "array"),
    **dict.fromkeys(_NUMBER_KEYWORDS, "number"),
    **dict.fromkeys(_STRING_KEYWORDS, "string"),
}
