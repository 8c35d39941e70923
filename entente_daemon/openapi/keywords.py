"""The JSON Schema keywords Entente validates differently from plain JSON Schema.

* ``nullable: true`` / ``x-nullable: true`` lets ``null`` through ``type``, and also through
  ``enum`` and ``allOf``/``oneOf``/``anyOf`` of the same schema, so the common
  ``{nullable: true, allOf: [{$ref: ...}]}`` accepts null. In OpenAPI 3.1 ``nullable`` is
  not a keyword any more, but specs converted from 3.0 keep it, and their authors (and the
  tools that generate their clients) mean it: it is honoured there too, on ``type`` only;
* ``pattern`` is compiled with `regex.compile_pattern` (ECMA named groups translated, an
  invalid pattern ignored as the load reported it, or on request reported), and the
  ``patternProperties``-based keywords ignore an invalid regex instead of raising;
* ``oneOf``/``anyOf`` next to a ``discriminator``: the instance's discriminator value picks the
  one schema to validate against (its ``mapping`` entry, a reference or a bare schema name,
  else ``#/components/schemas/<value>``), as openapi-schema-validator does; in an ``allOf``
  parent the discriminator is only a hint (following it there would recurse);
* given a direction, ``readOnly`` (request) or ``writeOnly`` (response) properties must be
  absent, and are not required.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

from jsonschema import ValidationError
from referencing.exceptions import Unresolvable

from entente_daemon.openapi.regex import compile_pattern, regex_problem

Direction = Literal["request", "response"]
Lookup = Callable[[str], Any]
# Keyword functions get the runtime validator object, which has ``descend`` (not in the protocol).
KeywordFn = Callable[[Any, Any, Any, Any], Iterator[ValidationError]]

#: The flag that hides a property in each direction.
HIDDEN_FLAG: dict[Direction, str] = {"request": "readOnly", "response": "writeOnly"}

_MAX_FLAG_DEPTH = 8


def pattern(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string") or not isinstance(value, str):
        return
    compiled = compile_pattern(value)
    if compiled is not None and not compiled.search(instance):
        yield ValidationError(f"{instance!r} does not match {value!r}")


def reported_pattern(
    validator: Any, value: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``pattern`` that fails any string when the pattern itself is invalid."""
    if validator.is_type(instance, "string") and isinstance(value, str):
        problem = regex_problem(value)
        if problem is not None:
            yield ValidationError(f"pattern {value!r} is not a valid regular expression: {problem}")
            return
    yield from pattern(validator, value, instance, schema)


def regex_tolerant(keyword: KeywordFn) -> KeywordFn:
    def tolerant(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        try:
            yield from keyword(validator, value, instance, schema)
        except re.error:
            return  # reported when the spec was loaded

    return tolerant


def nullable(keyword: KeywordFn) -> KeywordFn:
    """A keyword that lets ``null`` through when the same schema says ``nullable: true``."""

    def nullable_keyword(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if instance is None and (
            schema.get("nullable") is True or schema.get("x-nullable") is True
        ):
            return
        yield from keyword(validator, value, instance, schema)

    return nullable_keyword


def is_flagged(schema: object, flag: str, lookup: Lookup, depth: int = 0) -> bool:
    """Whether ``schema`` sets ``flag`` (``readOnly``/``writeOnly``) itself, through ``$ref``
    or through an ``allOf`` member: the schemas a validator always applies to the value."""
    if not isinstance(schema, Mapping):
        return False
    if schema.get(flag) is True:
        return True
    if depth >= _MAX_FLAG_DEPTH:
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str):
        try:
            target = lookup(ref)
        except Exception:  # an unresolvable reference is reported by "$ref" itself
            target = None
        if is_flagged(target, flag, lookup, depth + 1):
            return True
    members = schema.get("allOf")
    if isinstance(members, list):
        return any(is_flagged(member, flag, lookup, depth + 1) for member in members)
    return False


def _lookup_of(validator: Any) -> Lookup:
    """How a keyword follows a ``$ref``: through the validator's resolver (jsonschema keeps it
    in a private attribute; without it nothing is followed)."""
    resolver = getattr(validator, "_resolver", None)

    def lookup(ref: str) -> Any:
        return None if resolver is None else resolver.lookup(ref).contents

    return lookup


def required(direction: Direction) -> KeywordFn:
    flag = HIDDEN_FLAG[direction]

    def required(
        validator: Any, names: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if not isinstance(instance, dict) or not isinstance(names, list):
            return
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        for name in names:
            if name in instance:
                continue
            if is_flagged(properties.get(name), flag, _lookup_of(validator)):
                continue
            yield ValidationError(f"{name!r} is a required property")

    return required


def forbidden(direction: Direction) -> KeywordFn:
    flag = HIDDEN_FLAG[direction]
    what = "must not be sent in a request" if direction == "request" else "must not be returned"

    def forbidden(
        validator: Any, value: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if value is True:
            yield ValidationError(f"the value is {flag} and {what} (got {instance!r})")

    return forbidden


def discriminator_ref(discriminator: Mapping[str, Any], value: str) -> str:
    """The ``$ref`` a discriminator value selects: its ``mapping`` entry (a reference or a bare
    schema name) else the schema of that name under ``#/components/schemas``."""
    mapping = discriminator.get("mapping")
    target = mapping.get(value) if isinstance(mapping, Mapping) else None
    if not isinstance(target, str):
        target = value
    if "#" in target or "/" in target or "." in target:
        return target
    return f"#/components/schemas/{target}"


def discriminated(plain: KeywordFn) -> KeywordFn:
    def keyword(
        validator: Any, branches: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, Mapping) or not isinstance(instance, dict):
            yield from plain(validator, branches, instance, schema)
            return
        name = discriminator.get("propertyName")
        value = instance.get(name) if isinstance(name, str) else None
        if not isinstance(value, str) or not value:
            yield ValidationError(f"discriminator property {name!r} is missing or not a string")
            return
        ref = discriminator_ref(discriminator, value)
        try:
            errors = list(validator.descend(instance, {"$ref": ref}))
        except Unresolvable:
            yield ValidationError(f"discriminator value {value!r} selects {ref!r}: no such schema")
            return
        yield from errors

    return keyword


def keywords(
    base: Any, *, draft4: bool, direction: Direction | None, report_invalid_patterns: bool = False
) -> dict[str, KeywordFn]:
    """The keywords to override in the validator class ``base``. An invalid ``pattern`` is
    ignored (the spec's load reported it), or with ``report_invalid_patterns`` fails every
    string (the data generator wants to know it cannot satisfy it)."""
    found: dict[str, KeywordFn] = {
        "pattern": reported_pattern if report_invalid_patterns else pattern
    }
    for name in ("patternProperties", "additionalProperties", "unevaluatedProperties"):
        if name in base.VALIDATORS:
            found[name] = regex_tolerant(base.VALIDATORS[name])
    found["oneOf"] = discriminated(base.VALIDATORS["oneOf"])
    found["anyOf"] = discriminated(base.VALIDATORS["anyOf"])
    for name in ("type", "enum", "allOf", "oneOf", "anyOf") if draft4 else ("type",):
        found[name] = nullable(found.get(name, base.VALIDATORS[name]))
    if direction is not None:
        found["required"] = required(direction)
        found[HIDDEN_FLAG[direction]] = forbidden(direction)
    return found
