"""Schemas and validation errors in words, for messages a developer can act on.

`summary` says what a schema wants (``an integer ≥ 1 and ≤ 100``, ``a string in uuid
format``, ``one of "a", "b"``, ``an array of integers``); `explain` turns a jsonschema error
into the JSON pointer it is about and a phrase (``must be ≥ 1000 (got 999)``,
``is missing required property 'region'``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

Deref = Callable[[Any], Any]

#: Names that suggest a credential: values under them are never repeated in messages.
SECRET_NAME = re.compile(r"key|token|secret|passw|auth|session|cookie|credential|signature", re.I)
HIDDEN = "the value is not shown: it may be a credential"

_NOUNS = {
    "integer": ("an integer", "integers"),
    "number": ("a number", "numbers"),
    "string": ("a string", "strings"),
    "boolean": ("a boolean (true or false)", "booleans (true or false)"),
    "array": ("an array", "arrays"),
    "object": ("an object", "objects"),
    "null": ("null", "nulls"),
}
_MAX_SHOWN = 60
_MAX_ENUM = 8
_MAX_DEPTH = 4


def show(value: Any) -> str:
    """A value as JSON, shortened to fit in a sentence."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError):
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def pointer(parts: Any) -> str:
    """A JSON pointer (RFC 6901) from path parts: ``["a", 0]`` → ``/a/0``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type")
    types = [declared] if isinstance(declared, str) else list(declared or [])
    types = [t for t in types if isinstance(t, str)]
    if (schema.get("nullable") is True or schema.get("x-nullable") is True) and types:
        types.append("null")
    return types


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounds(schema: Mapping[str, Any]) -> list[str]:
    """``≥ 1``, ``< 10``... (``exclusiveMinimum`` a flag in draft 4, a bound in 2020-12)."""
    found = []
    for name, exclusive, strict, loose in (
        ("minimum", "exclusiveMinimum", ">", "≥"),
        ("maximum", "exclusiveMaximum", "<", "≤"),
    ):
        value, flag = schema.get(name), schema.get(exclusive)
        if _number(flag):
            found.append(f"{strict} {flag}")
        if _number(value):
            found.append(f"{strict if flag is True else loose} {value}")
    return found


def _constraints(schema: Mapping[str, Any]) -> list[str]:
    found = _bounds(schema)
    if _number(schema.get("multipleOf")):
        found.append(f"a multiple of {schema['multipleOf']}")
    if isinstance(schema.get("format"), str) and schema["format"] not in ("password", "binary"):
        found.append(f"in {schema['format']} format")
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and low > 0:
        found.append(f"of at least {low} character{'s' if low != 1 else ''}")
    if isinstance(high, int):
        found.append(f"of at most {high} character{'s' if high != 1 else ''}")
    if isinstance(schema.get("pattern"), str):
        found.append(f"matching {schema['pattern']!r}")
    low, high = schema.get("minItems"), schema.get("maxItems")
    if isinstance(low, int) and low > 0:
        found.append(f"with at least {low} item{'s' if low != 1 else ''}")
    if isinstance(high, int):
        found.append(f"with at most {high} item{'s' if high != 1 else ''}")
    return found


def summary(schema: Any, deref: Deref, *, plural: bool = False, depth: int = 0) -> str:
    """What ``schema`` wants, as a noun phrase: ``an integer ≥ 1``."""
    try:
        schema = deref(schema)
    except Exception:  # an unresolvable ref: reported by validation
        schema = None
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return "values valid against the schema" if plural else "valid against the schema"
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        shown = ", ".join(show(v) for v in enum[:_MAX_ENUM])
        return f"one of {shown}" + (", …" if len(enum) > _MAX_ENUM else "")
    types = _types(schema)
    if not types:
        members = schema.get("allOf")
        if isinstance(members, list) and len(members) == 1:
            return summary(members[0], deref, plural=plural, depth=depth + 1)
        if "items" in schema:
            types = ["array"]
        elif "properties" in schema:
            types = ["object"]
        else:
            return "values valid against the schema" if plural else "valid against the schema"
    index = 1 if plural else 0
    nouns = [_NOUNS.get(t, (t, t))[index] for t in types if t != "null"]
    phrase = " or ".join(nouns) or _NOUNS["null"][index]
    if "array" in types and isinstance(schema.get("items"), Mapping):
        items = summary(schema["items"], deref, plural=True, depth=depth + 1)
        phrase = phrase.replace("an array", f"an array of {items}", 1)
    constraints = _constraints(schema)
    if constraints:
        phrase += " " + " and ".join(constraints)
    if "null" in types and nouns:
        phrase += " or null"
    return phrase


def _secret(error: ValidationError) -> bool:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if schema.get("format") == "password":
        return True
    path = error.absolute_path
    return bool(path) and isinstance(path[-1], str) and SECRET_NAME.search(path[-1]) is not None


def _required_name(error: ValidationError) -> str | None:
    names = error.validator_value if isinstance(error.validator_value, list) else []
    for name in names:
        if isinstance(name, str) and error.message.startswith(f"{name!r} "):
            return name
    return None


def explain(error: ValidationError) -> tuple[str, str, str]:
    """What an error is about: the JSON pointer to name it by, the pointer of the value the
    phrase is said of, and the phrase (``must be ≥ 1000 (got 999)``, to follow ``request
    body at /yearBuilt``). A missing required property is named by the pointer it should
    be at, and said of the object that lacks it."""
    where = pointer(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    got = f" ({HIDDEN})" if _secret(error) else f" (got {show(error.instance)})"
    if keyword == "required":
        name = _required_name(error)
        if name is not None:
            return f"{where}{pointer([name])}", where, f"is missing required property {name!r}"
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if keyword == "type":
        return where, where, f"must be {summary({'type': value}, _same)}{got}"
    if keyword in ("readOnly", "writeOnly"):
        verb = "sent in a request" if keyword == "readOnly" else "returned in a response"
        return where, where, f"is {keyword} and must not be {verb}{got}"
    if keyword == "enum":
        return where, where, f"must be {summary({'enum': value}, _same)}{got}"
    if keyword in ("minimum", "maximum"):
        exclusive = "exclusiveMinimum" if keyword == "minimum" else "exclusiveMaximum"
        bounds = _bounds({keyword: value, exclusive: schema.get(exclusive) is True})
        return where, where, f"must be {' and '.join(bounds)}{got}"
    if keyword in ("exclusiveMinimum", "exclusiveMaximum") and _number(value):
        return where, where, f"must be {'>' if keyword == 'exclusiveMinimum' else '<'} {value}{got}"
    if keyword in ("minLength", "maxLength", "pattern", "format", "minItems", "maxItems"):
        phrase = " ".join(_constraints({keyword: value}))
        if keyword == "format":
            phrase = f"a valid {value}"
        elif keyword in ("minLength", "maxLength"):
            phrase = f"a string {phrase}"
        elif keyword in ("minItems", "maxItems"):
            phrase = f"an array {phrase}"
        else:
            phrase = f"a string {phrase}"
        return where, where, f"must be {phrase}{got}"
    if keyword in ("oneOf", "anyOf") and error.context:
        closest = best_match(error.context)
        _, inner_where, inner = explain(closest)
        at = f" at {inner_where}" if inner_where and inner_where != where else ""
        return where, where, f"matches none of the {keyword} alternatives (closest: {inner}{at})"
    message = error.message
    if len(message) > 200:
        message = message[:199] + "…"
    return where, where, message


def _same(value: Any) -> Any:
    return value
