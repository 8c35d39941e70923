"""Parameters deserialised by style, to typed values, before schema validation.

OpenAPI serialises path, query, header and cookie parameters by ``style`` and ``explode``
(``color`` = ``blue`` / ``["blue", "black"]`` / ``{"R": 100, "G": 200}``):

==============  =======  ================  ===========================  ====================
style           explode  primitive         array                        object
==============  =======  ================  ===========================  ====================
matrix          false    ``;color=blue``   ``;color=blue,black``        ``;color=R,1,G,2``
matrix          true     ``;color=blue``   ``;color=blue;color=black``  ``;R=1;G=2``
label           false    ``.blue``         ``.blue,black``              ``.R,1,G,2``
label           true     ``.blue``         ``.blue.black``              ``.R=1.G=2``
simple          false    ``blue``          ``blue,black``               ``R,1,G,2``
simple          true     ``blue``          ``blue,black``               ``R=1,G=2``
form            false    ``color=blue``    ``color=blue,black``         ``color=R,1,G,2``
form            true     ``color=blue``    ``color=blue&color=black``   ``R=1&G=2``
spaceDelimited  false                      ``color=blue%20black``       ``color=R%201%20G%202``
pipeDelimited   false                      ``color=blue|black``         ``color=R|1|G|2``
deepObject      true                                                    ``color[R]=1&color[G]=2``
==============  =======  ================  ===========================  ====================

matrix and label are for path parameters, simple for path and header ones, form for query
and cookie ones, the delimited styles and deepObject for query ones.

Swagger 2.0's ``collectionFormat`` arrives here normalised by the loader (``csv`` → form or
simple, ``ssv`` → spaceDelimited, ``pipes`` → pipeDelimited, ``multi`` → form exploded,
``tsv`` → ``tabDelimited``, tab-separated). Non-exploded ``label`` arrays and objects are read
with ``,`` (OpenAPI 3.1, RFC 6570) or, when the value has no comma, with ``.`` (OpenAPI
3.0's style table). Values are then typed by the schema (`Shape`): integers, numbers and
booleans (``true``/``false``) are converted when they parse, everything else stays a string for
the schema validation to judge. A value that does not fit its style (an odd number of object
items) stays the raw string, which then fails the schema's ``type``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from entente_daemon.mock.generate.jsontype import json_type

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_MAX_DEPTH = 8
_SEPARATORS = {"spaceDelimited": " ", "pipeDelimited": "|", "tabDelimited": "\t"}
_JSON_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: A parameter not present in the request.
MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class Shape:
    """What deserialising needs to know of a schema: the JSON ``types`` it admits (empty:
    unknown, strings are kept), and the shapes of array ``items`` and object
    ``properties`` (``additional``: of other properties)."""

    types: frozenset[str] = frozenset()
    items: Shape | None = None
    properties: Mapping[str, Shape] = field(default_factory=dict)
    additional: Shape | None = None

    @property
    def kind(self) -> str:
        """How the style serialises it: ``"array"``, ``"object"`` or ``"primitive"``."""
        if "array" in self.types:
            return "array"
        if "object" in self.types:
            return "object"
        return "primitive"

    def property(self, name: str) -> Shape:
        return self.properties.get(name) or self.additional or ANY


ANY = Shape()


def shape_of(schema: Any, deref: Callable[[Any], Any], depth: int = 0) -> Shape:
    """The `Shape` of a schema, following refs with ``deref`` (which may raise: a ref that
    does not resolve gives an unknown shape) through ``allOf``/``oneOf``/``anyOf``."""
    try:
        schema = deref(schema)
    except Exception:  # an unresolvable ref is reported by schema validation
        return ANY
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return ANY
    types: set[str] = set()
    declared = schema.get("type")
    if isinstance(declared, str):
        types.add(declared)
    elif isinstance(declared, list):
        types.update(t for t in declared if isinstance(t, str))
    if schema.get("nullable") is True or schema.get("x-nullable") is True:
        types.add("null")
    items = schema.get("items")
    item_shape = shape_of(items, deref, depth + 1) if isinstance(items, Mapping) else None
    properties: dict[str, Shape] = {}
    raw_properties = schema.get("properties")
    if isinstance(raw_properties, Mapping):
        for name, sub in raw_properties.items():
            properties[str(name)] = shape_of(sub, deref, depth + 1)
    extra = schema.get("additionalProperties")
    additional = shape_of(extra, deref, depth + 1) if isinstance(extra, Mapping) else None
    for keyword in ("allOf", "oneOf", "anyOf"):
        members = schema.get(keyword)
        for member in members if isinstance(members, list) else ():
            sub = shape_of(member, deref, depth + 1)
            if keyword != "allOf" or not types:
                types.update(sub.types)
            item_shape = item_shape or sub.items
            additional = additional or sub.additional
            for name, prop in sub.properties.items():
                properties.setdefault(name, prop)
    if not types:
        if item_shape is not None:
            types.add("array")
        elif properties or additional is not None:
            types.add("object")
        elif isinstance(schema.get("enum"), list):
            types.update(json_type(v) for v in schema["enum"])
    return Shape(frozenset(types & _JSON_TYPES), item_shape, properties, additional)


def coerce(text: str, shape: Shape) -> Any:
    """``text`` as the primitive type ``shape`` admits: an integer, number, boolean or null
    when it parses as one (and a string is not allowed anyway), else the string."""
    types = shape.types
    if not types or "string" in types:
        return text
    if ("integer" in types or "number" in types) and _INTEGER.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # more digits than Python converts
            return text
    if "number" in types and _NUMBER.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
            return number
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "null" in types and text in ("", "null"):
        return None
    return text


def typed(value: Any, shape: Shape) -> Any:
    """A deserialised value (strings, lists of strings, dicts of strings) typed by
    ``shape``."""
    if isinstance(value, str):
        return coerce(value, shape)
    if isinstance(value, list):
        item = shape.items or ANY
        return [typed(v, item) for v in value]
    if isinstance(value, dict):
        return {k: typed(v, shape.property(k)) for k, v in value.items()}
    return value


def _items(text: str, separator: str) -> list[str]:
    return [] if text == "" else text.split(separator)


def _pairs(items: Sequence[str]) -> dict[str, str] | None:
    """``["R", "100", "G", "200"]`` → ``{"R": "100", "G": "200"}``; None for an odd count."""
    if len(items) % 2:
        return None
    return {items[i]: items[i + 1] for i in range(0, len(items), 2)}


def _assignments(items: Sequence[str]) -> dict[str, str]:
    """``["R=100", "G=200"]`` → ``{"R": "100", "G": "200"}``."""
    found: dict[str, str] = {}
    for item in items:
        key, _, value = item.partition("=")
        found[key] = value
    return found


def _shaped(text: str, kind: str, explode: bool, separator: str) -> Any:
    """A ``simple``-like value: items split on ``separator``; objects as key,value pairs or,
    exploded, key=value items."""
    if kind == "array":
        return _items(text, separator)
    if kind == "object":
        items = _items(text, separator)
        if explode:
            return _assignments(items)
        pairs = _pairs(items)
        return text if pairs is None else pairs
    return text


def from_path(raw: str, name: str, style: str, explode: bool, shape: Shape) -> Any:
    """A path parameter's value (``raw``: the decoded template variable)."""
    kind = shape.kind
    if style == "label":
        text = raw[1:] if raw.startswith(".") else raw
        if kind == "primitive":
            return typed(text, shape)
        separator = "." if explode or "," not in text else ","
        return typed(_shaped(text, kind, explode, separator), shape)
    if style == "matrix":
        return typed(_matrix(raw, name, kind, explode), shape)
    return typed(_shaped(raw, kind, explode, ","), shape)


def _matrix(raw: str, name: str, kind: str, explode: bool) -> Any:
    segments = [s for s in raw.split(";") if s] if raw.startswith(";") else [raw]
    if kind == "object" and explode:
        return _assignments(segments)
    values = []
    for segment in segments:
        key, equals, value = segment.partition("=")
        if key == name:
            values.append(value if equals else "")
    if not values:
        return raw
    if kind == "array":
        return values if explode else _items(values[0], ",")
    return _shaped(values[0], kind, False, ",")


def from_query(
    query: Mapping[str, list[str]],
    name: str,
    style: str,
    explode: bool,
    shape: Shape,
    declared: frozenset[str] = frozenset(),
) -> tuple[Any, Any]:
    """A query parameter's (typed value, raw value for messages), or (MISSING, None).
    ``declared``: the operation's other query parameters, not taken for an exploded
    free-form object."""
    kind = shape.kind
    if style == "deepObject":
        found = _deep_object(query, name)
        return (MISSING, None) if found is None else (typed(found, shape), found)
    if kind == "object" and explode and style == "form":
        names = shape.properties or {k: ANY for k in query if k not in declared and k != name}
        present = {k: query[k][0] for k in names if k in query}
        return (MISSING, None) if not present else (typed(present, shape), present)
    values = query.get(name)
    if values is None:
        return MISSING, None
    raw: Any = values[0] if len(values) == 1 else values
    if kind == "array" and explode:
        return typed(list(values), shape), raw
    separator = _SEPARATORS.get(style, ",")
    return typed(_shaped(values[0], kind, False, separator), shape), raw


def _deep_object(query: Mapping[str, list[str]], name: str) -> dict[str, Any] | None:
    """``color[R]=100&color[G]=200`` → ``{"R": "100", "G": "200"}`` (``a[b][c]`` nests)."""
    prefix = name + "["
    found: dict[str, Any] | None = None
    for key, values in query.items():
        if not key.startswith(prefix) or not key.endswith("]"):
            continue
        path = key[len(prefix) : -1].split("][")
        node = found = found if found is not None else {}
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = values[0] if len(values) == 1 else list(values)
    return found


def from_header(values: Sequence[str], explode: bool, shape: Shape) -> Any:
    """A header parameter's value (``simple`` style; repeated headers join with ``,``)."""
    text = ",".join(values)
    kind = shape.kind
    if kind == "array":
        return typed([item.strip() for item in _items(text, ",")], shape)
    if kind == "object":
        return typed(_shaped(text.replace(" ", ""), kind, explode, ","), shape)
    return typed(text.strip(), shape)


def cookies(header_values: Sequence[str]) -> dict[str, list[str]]:
    """The cookies of ``Cookie`` headers (``a=1; b=2``), every value of each name."""
    found: dict[str, list[str]] = {}
    for header in header_values:
        for item in header.split(";"):
            key, equals, value = item.strip().partition("=")
            if key and equals:
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                found.setdefault(key, []).append(value)
    return found


def from_cookie(
    jar: Mapping[str, list[str]], name: str, explode: bool, shape: Shape
) -> tuple[Any, Any]:
    """A cookie parameter's (typed value, raw value), or (MISSING, None): ``form`` style;
    an array from repeated cookies or, sent once, comma-separated."""
    kind = shape.kind
    if kind == "object" and explode and shape.properties:
        present = {k: jar[k][0] for k in shape.properties if k in jar}
        return (MISSING, None) if not present else (typed(present, shape), present)
    values = jar.get(name)
    if values is None:
        return MISSING, None
    raw: Any = values[0] if len(values) == 1 else values
    if kind == "array" and len(values) > 1:
        return typed(list(values), shape), raw
    return typed(_shaped(values[0], kind, False, ","), shape), raw
