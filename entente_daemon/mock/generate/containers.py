"""Arrays and objects: lengths, uniqueness, properties by direction, extra entries.

Split from :mod:`.generator`, which passes itself in as the :class:`Builder`
that generates the nested values.
"""

from __future__ import annotations

import json
import random
from typing import Any, Protocol

from entente_daemon.mock.generate import patterns, strings
from entente_daemon.mock.generate.flatten import Flat, Schema
from entente_daemon.openapi.keywords import discriminator_ref

_UNIQUE_ATTEMPTS = 8


class View(Protocol):
    def is_hidden(self, schemas: list[Schema]) -> bool: ...

    def all_of(self, schemas: list[Schema]) -> Schema: ...


class Builder(Protocol):
    rng: random.Random

    @property
    def view(self) -> View: ...

    def gen(
        self, schema: Schema, minimal: bool = False, hint: str | None = None, fresh: bool = False
    ) -> Any: ...

    def check(self, value: Any, schema: Schema) -> bool | None: ...


def all_of(schemas: list[Schema]) -> Schema:
    """One schema requiring all of ``schemas``."""
    if not schemas:
        return True
    return schemas[0] if len(schemas) == 1 else {"allOf": schemas}


def name_allowed(flat: Flat, name: str) -> bool:
    """Whether every ``additionalProperties: false`` among the merged schemas admits ``name``."""
    return all(
        name in names or any(patterns.search(pattern, name) for pattern in pattern_list)
        for names, pattern_list in flat.closed
    )


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def gen_array(builder: Builder, flat: Flat, minimal: bool, hint: str | None) -> list[Any]:
    """Between minItems and maxItems items, 1-2 when free (responses stay readable); the
    property name is passed on as the items' hint (``emails`` gives addresses)."""
    prefix_length = max((len(p) for p in flat.prefix), default=0)
    high = flat.max_items
    if flat.items_closed:
        high = prefix_length if high is None else min(high, prefix_length)
    wanted = builder.rng.randint(1, 2) if prefix_length == 0 else prefix_length
    count = flat.min_items if minimal else max(flat.min_items, wanted)
    containing = max(flat.min_contains, 0) if flat.contains else 0
    count = max(count, containing)
    if high is not None:
        count = min(count, high)
    out: list[Any] = []
    seen: set[str] = set()
    for index in range(count):
        parts = [p[index] for p in flat.prefix if index < len(p)]
        if index >= prefix_length or not parts:
            parts += flat.items
        if index < containing:
            parts += flat.contains
        schema = builder.view.all_of(parts)
        value = builder.gen(schema, minimal, hint)
        if flat.unique:
            attempts = 0
            while _canonical(value) in seen and attempts < _UNIQUE_ATTEMPTS:
                value = builder.gen(schema, minimal, hint, fresh=True)
                attempts += 1
            if _canonical(value) in seen and len(out) >= flat.min_items:
                break
            seen.add(_canonical(value))
        out.append(value)
    return out


def gen_object(builder: Builder, flat: Flat, minimal: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    required = set(flat.required)
    skipped: list[tuple[str, Schema]] = []
    for name, schemas in flat.properties.items():
        if builder.view.is_hidden(schemas):
            continue  # OpenAPI: not sent in this direction, even when required
        schema = builder.view.all_of(schemas)
        if name not in required:
            if False in schemas or not name_allowed(flat, name):
                continue
            if minimal:
                skipped.append((name, schema))
                continue
        out[name] = builder.gen(schema, minimal, hint=name)
    for name in flat.required:
        if name not in out and name not in flat.properties:
            out[name] = builder.gen(_extra_schema(builder, flat, name), minimal, hint=name)
    for name, needed in flat.dependent_required.items():
        for other in needed if name in out else ():
            if other not in out:
                declared = flat.properties.get(other)
                schema = (
                    builder.view.all_of(declared)
                    if declared
                    else _extra_schema(builder, flat, other)
                )
                out[other] = builder.gen(schema, minimal, hint=other)
    _mark_discriminator(builder, flat, out)
    target = flat.min_properties
    if not (minimal or flat.properties or flat.required) and (
        flat.additional or flat.pattern_properties
    ):
        target = max(target, 1)  # a map: show one entry
    while len(out) < target and skipped:
        name, schema = skipped.pop(0)
        out[name] = builder.gen(schema, minimal, hint=name)
    for index in range(target * 4):
        if len(out) >= target:
            break
        _add_extra(builder, flat, out, minimal, index)
    if flat.max_properties is not None:
        for name in [n for n in reversed(out) if n not in required]:
            if len(out) <= flat.max_properties:
                break
            del out[name]
    return out


def _mark_discriminator(builder: Builder, flat: Flat, out: dict[str, Any]) -> None:
    """A schema that includes its discriminating parent names itself in the property."""
    discriminator = flat.discriminator
    if discriminator is None or flat.choices or not flat.refs:
        return
    name = discriminator.get("propertyName")
    if not isinstance(name, str) or name not in out:
        return
    own = flat.refs[0]
    mapping = discriminator.get("mapping")
    keys = [k for k in mapping or () if discriminator_ref(discriminator, k) == own]
    implicit = own.rsplit("/", 1)[-1]
    if not keys and discriminator_ref(discriminator, implicit) == own:
        keys = [implicit]
    schemas = flat.properties.get(name)
    if keys and schemas and builder.check(keys[0], builder.view.all_of(schemas)) is True:
        out[name] = keys[0]


def _extra_schema(builder: Builder, flat: Flat, name: str) -> Schema:
    """The schema an undeclared property ``name`` must meet."""
    matching = [
        schema
        for pattern, schemas in flat.pattern_properties.items()
        if patterns.search(pattern, name)
        for schema in schemas
    ]
    return builder.view.all_of(matching or flat.additional)


def _add_extra(
    builder: Builder, flat: Flat, out: dict[str, Any], minimal: bool, index: int
) -> None:
    """One more property, named after a ``patternProperties`` pattern or freely."""
    rng = builder.rng
    pattern_list = list(flat.pattern_properties)
    name: str | None = None
    if pattern_list:
        pattern = pattern_list[index % len(pattern_list)]
        name = patterns.matching_string(pattern, rng, min_length=1)
    elif not flat.closed and not flat.no_extras:
        if flat.property_names:
            candidate = builder.gen(builder.view.all_of(flat.property_names), minimal)
            name = candidate if isinstance(candidate, str) else None
        else:
            name = f"{strings.word(rng)}{index + 1}" if index else strings.word(rng)
    if name is None or name in out or name in flat.properties or not name_allowed(flat, name):
        return
    out[name] = builder.gen(_extra_schema(builder, flat, name), minimal, hint=name)
