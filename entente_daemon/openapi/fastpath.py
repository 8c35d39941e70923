"""A quick "certainly valid" verdict for simple schemas, so that the common valid case does
not go through jsonschema's machinery.

Validation runs on every mock request (parameters, bodies) and on answers, and most values
are valid. For a schema made only of the keywords below, `compile_quick` makes a plain
Python predicate from the jsonschema validator that would check it. The predicate answers
True only when that validator would find no error; False means "not sure": the caller then
runs the full validator, which also words the errors. So nothing is loosened: the quick
verdict can only skip a validation whose outcome is known to be "valid".

Understood (with jsonschema's semantics of the validator's dialect): ``type`` (string,
integer, number, boolean, object, array; one or a list), ``enum`` of strings, numbers or
booleans, ``format`` (the validator's own format checker), ``minimum``/``maximum`` and both
forms of ``exclusiveMinimum``/``exclusiveMaximum``, ``minLength``/``maxLength``,
``pattern``, ``properties``, ``required``, ``additionalProperties``,
``minProperties``/``maxProperties``, ``items`` (one schema), ``minItems``/``maxItems``,
``$ref`` (followed, cycles refused), and annotations (keywords the validator does not
check). Anything else the validator checks (``allOf``, ``oneOf``, ``readOnly`` in a
request...) makes that part of the schema "not sure". ``null`` values, and values whose
type is not exactly one of Python's JSON types (``str``, ``int``, ``float``, ``bool``,
``dict``, ``list``; subclasses such as an ``IntEnum`` are not), are always "not sure", which
keeps ``nullable`` and the numeric tower out of the picture.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

try:  # jsonschema's own check, to recognise it in a format checker
    from jsonschema._format import is_uuid as _is_uuid

    _UUID_CHECK: Any = _is_uuid
except ImportError:  # pragma: no cover - a jsonschema that moved it: no shortcut then
    _UUID_CHECK = None

Check = Callable[[Any], bool]

#: The Python types of the JSON values the predicates judge themselves.
_PLAIN = frozenset({str, int, float, bool, dict, list})
_NUMBERS = frozenset({int, float})
_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    "object": frozenset({dict}),
    "array": frozenset({list}),
}
#: "$" words that neither validate nor change how references resolve.
_ANNOTATION_REFS = frozenset({"$comment", "$schema", "$defs"})
_MAX_DEPTH = 32
#: Strings a format check surely accepts, by check: a regular expression is quicker than
#: the check (``uuid`` builds a `uuid.UUID`); what it does not match goes to the check.
_SURELY: dict[Any, re.Pattern[str]] = {}
if _UUID_CHECK is not None:
    _SURELY[_UUID_CHECK] = re.compile(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    )


def _never(instance: Any) -> bool:
    return False


def _anything(instance: Any) -> bool:
    return type(instance) in _PLAIN


def compile_quick(raw: Any) -> Check | None:
    """The quick predicate for a jsonschema validator ``raw`` (its ``schema``, class keywords,
    format checker and resolver), or None when no part of its schema can be vouched for."""
    if raw is None:
        return None
    compiler = _Compiler(raw)
    compiler.following.add(id(raw.schema))
    try:
        check = compiler.node(raw.schema, getattr(raw, "_resolver", None), 0)
    except Exception:  # noqa: BLE001 - an odd schema: the full validator handles it
        return None
    if check is _never:
        return None

    def quick(instance: Any) -> bool:
        try:
            return check(instance)
        except Exception:  # noqa: BLE001 - e.g. a value nested too deeply: not sure
            return False

    return quick


def _number(value: Any) -> bool:
    return type(value) in _NUMBERS


class _Compiler:
    def __init__(self, raw: Any) -> None:
        self.keywords: frozenset[str] = frozenset(raw.VALIDATORS)
        schema_uri = str(getattr(raw, "META_SCHEMA", {}).get("$schema", ""))
        # Drafts 3 to 7 ignore the siblings of "$ref"; 2019-09 and later apply them too.
        self.legacy_ref = any(f"draft-0{n}" in schema_uri for n in (3, 4, 6, 7))
        self.format_checker = getattr(raw, "format_checker", None)
        self.following: set[int] = set()  # the ref targets being compiled (cycles)
        self._done: dict[int, Check] = {}  # compiled ref targets (shared sub-schemas)

    def node(self, schema: Any, resolver: Any, depth: int) -> Check:
        if schema is True:
            return _anything
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return _never
        if not schema:
            return _anything
        ref = schema.get("$ref")
        if ref is not None and "$ref" in self.keywords:
            target = self._ref(ref, resolver, depth)
            if self.legacy_ref or target is _never:
                return target
            rest = self._keywords({k: v for k, v in schema.items() if k != "$ref"}, resolver, depth)
            return _both(target, rest)
        return self._keywords(schema, resolver, depth)

    def _ref(self, ref: Any, resolver: Any, depth: int) -> Check:
        if not isinstance(ref, str) or resolver is None:
            return _never
        resolved = resolver.lookup(ref)
        target = resolved.contents
        key = id(target)
        done = self._done.get(key)
        if done is not None:
            return done
        if key in self.following:
            return _never  # a recursive schema: values at that depth are not judged here
        self.following.add(key)
        try:
            check = self.node(target, resolved.resolver, depth + 1)
        finally:
            self.following.discard(key)
        self._done[key] = check
        return check

    def _keywords(self, schema: Mapping[str, Any], resolver: Any, depth: int) -> Check:
        types: frozenset[type] | None = None
        checks: list[Check] = []
        for key, value in schema.items():
            if key == "type":
                types = _type_set(value)
                if types is None:
                    return _never
                continue
            handler = _HANDLERS.get(key)
            if handler is not None:
                if key not in self.keywords:
                    continue  # not a keyword of this dialect: an annotation
                check = handler(self, schema, value, resolver, depth)
                if check is _never:
                    return _never
                if check is not None:
                    checks.append(check)
            elif key in self.keywords or (key.startswith("$") and key not in _ANNOTATION_REFS):
                return _never  # a keyword not understood here, or one changing references
        return _node_check(types, tuple(checks))

    # -- keywords: each gives a check (None: nothing to check) or _never -------------------

    def format(self, schema: Any, value: Any, resolver: Any, depth: int) -> Check | None:
        checker = self.format_checker
        if checker is None or not isinstance(value, str) or value not in checker.checkers:
            return None  # jsonschema checks no format then
        function, raises = checker.checkers[value]
        surely = _SURELY.get(function)

        def conforms(instance: Any) -> bool:
            try:
                return bool(function(instance))
            except raises:
                return False

        if surely is None:
            return conforms
        match = surely.fullmatch
        return lambda x: (type(x) is str and match(x) is not None) or conforms(x)

    def enum(self, schema: Any, value: Any, resolver: Any, depth: int) -> Check | None:
        if not isinstance(value, list):
            return _never
        allowed = frozenset(
            (type(item), item) for item in value if type(item) in (str, int, float, bool)
        )
        return lambda instance: (type(instance), instance) in allowed

    def bound(self, schema: Any, value: Any, key: str) -> Check | None:
        if not _number(value):
            return _never
        if key in ("minimum", "maximum") and self.legacy_exclusive:
            exclusive = schema.get("exclusiveMinimum" if key == "minimum" else "exclusiveMaximum")
            if exclusive is not None and not isinstance(exclusive, bool):
                return _never
            strict = bool(exclusive)
        else:
            strict = key.startswith("exclusive")
        if key in ("minimum", "exclusiveMinimum"):
            if strict:
                return lambda x: type(x) not in _NUMBERS or x > value
            return lambda x: type(x) not in _NUMBERS or x >= value
        if strict:
            return lambda x: type(x) not in _NUMBERS or x < value
        return lambda x: type(x) not in _NUMBERS or x <= value

    @property
    def legacy_exclusive(self) -> bool:
        """Draft 4: ``exclusiveMinimum`` is a boolean modifying ``minimum``."""
        return "exclusiveMinimum" not in self.keywords

    def pattern(self, schema: Any, value: Any, resolver: Any, depth: int) -> Check | None:
        from entente_daemon.openapi.regex import compile_pattern

        compiled = compile_pattern(value) if isinstance(value, str) else None
        if compiled is None:
            return _never  # an invalid pattern: ignored or reported, the validator knows
        search = compiled.search
        return lambda x: type(x) is not str or search(x) is not None

    def properties(self, schema: Any, value: Any, resolver: Any, depth: int) -> Check | None:
        if not isinstance(value, Mapping):
            return _never
        entries = tuple((name, self.node(sub, resolver, depth + 1)) for name, sub in value.items())

        def check(x: Any) -> bool:
            if type(x) is not dict:
                return True
            return all(name not in x or sub(x[name]) for name, sub in entries)

        return check

    def required(self, schema: Any, value: Any, resolver: Any, depth: int) -> Check | None:
        if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
            return _never
        names = tuple(value)
        # A missing name may still be fine (a read-only property in a request): not sure.
        return lambda x: type(x) is not dict or all(name in x for name in names)

    def additional(self, schema: Any, value: Any, resolver: Any, depth: int) -> Check | None:
        declared = schema.get("properties", {})
        if not isinstance(declared, Mapping):
            return _never
        known = frozenset(declared)
        if value is True:
            return None
        if value is False:
            return lambda x: type(x) is not dict or all(key in known for key in x)
        sub = self.node(value, resolver, depth + 1)
        return lambda x: (
            type(x) is not dict or all(key in known or sub(item) for key, item in x.items())
        )

    def items(self, schema: Any, value: Any, resolver: Any, depth: int) -> Check | None:
        if not isinstance(value, Mapping) and value is not True:
            return _never  # tuple validation, or a boolean schema
        sub = self.node(value, resolver, depth + 1)
        return lambda x: type(x) is not list or all(sub(item) for item in x)

    def size(self, value: Any, kind: type, at_least: bool) -> Check | None:
        if type(value) is not int:
            return _never
        if at_least:
            return lambda x: type(x) is not kind or len(x) >= value  # type: ignore[arg-type]
        return lambda x: type(x) is not kind or len(x) <= value  # type: ignore[arg-type]


_Handler = Callable[[_Compiler, Any, Any, Any, int], "Check | None"]


def _bound(key: str) -> _Handler:
    return lambda c, schema, value, resolver, depth: c.bound(schema, value, key)


def _size(kind: type, at_least: bool) -> _Handler:
    return lambda c, schema, value, resolver, depth: c.size(value, kind, at_least)


_HANDLERS: dict[str, _Handler] = {
    "format": _Compiler.format,
    "enum": _Compiler.enum,
    "minimum": _bound("minimum"),
    "maximum": _bound("maximum"),
    "exclusiveMinimum": _bound("exclusiveMinimum"),
    "exclusiveMaximum": _bound("exclusiveMaximum"),
    "pattern": _Compiler.pattern,
    "properties": _Compiler.properties,
    "required": _Compiler.required,
    "additionalProperties": _Compiler.additional,
    "items": _Compiler.items,
    "minLength": _size(str, True),
    "maxLength": _size(str, False),
    "minProperties": _size(dict, True),
    "maxProperties": _size(dict, False),
    "minItems": _size(list, True),
    "maxItems": _size(list, False),
}


def _type_set(value: Any) -> frozenset[type] | None:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names:
        return None
    found: set[type] = set()
    for name in names:
        if not isinstance(name, str):
            return None
        types = _TYPES.get(name)
        if types is None:
            if name == "null":
                continue  # null values are never judged here
            return None
        found |= types
    return frozenset(found)


def _node_check(types: frozenset[type] | None, checks: tuple[Check, ...]) -> Check:
    allowed = _PLAIN if types is None else types
    if not checks:
        return lambda x: type(x) in allowed
    if len(checks) == 1:
        (only,) = checks
        return lambda x: type(x) in allowed and only(x)

    def check(x: Any) -> bool:
        if type(x) not in allowed:
            return False
        return all(each(x) for each in checks)

    return check


def _both(first: Check, second: Check) -> Check:
    return lambda x: first(x) and second(x)
