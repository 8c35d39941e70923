"""Which recorded values an exported pact holds loosely: the export's matching-rule choice.

A recording holds the values the consumer saw. Most are the contract (a castle's name, a
status); some change every time the provider answers and only their form is (a new id, a
timestamp). Holding the provider to those would fail a good build, so the export writes a
matching rule for them instead of equality. Pure: a value, its field name and the spec's
schema for it (when the spec is known) in; a rule (pact matcher dicts) or None out.

The choice, first that applies:

1. the spec **pins** the value (``enum`` or ``const``): equality, whatever it looks like;
2. a string the spec gives a **``pattern``**, when the value is volatile (below): ``regex``
   with the spec's pattern;
3. a **uuid** (its text, or the spec's ``format: uuid``): ``regex`` for a uuid;
4. a **date-time** (ISO 8601 text, or ``format: date-time``): ``datetime`` with the
   value's own format (``yyyy-MM-dd'T'HH:mm:ss.SSSXXX``...); a **date** (``format:
   date``): ``date`` with ``yyyy-MM-dd``;
5. an **id or time field** by name (``id``, ``castleId``, ``created_at``...) or an **id
   token** (long hex, ULID), as `entente_daemon.fixtures.drafts` tells per-run values:
   ``integer``/``number`` for numbers, ``type`` otherwise;
6. everything else: equality.

A body the mock **generated** (no example or fixture: random data from the schema) is held
by ``type`` at ``$`` (which cascades), its rules above kept for the values they name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from entente_daemon.compare.paths import child
from entente_daemon.fixtures.drafts import steady_text, volatile_kind

UUID_REGEX = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?P<sep>[T ])\d{2}:\d{2}(?P<sec>:\d{2})?(?:[.,](?P<frac>\d+))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2}|[+-]\d{4})?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Matcher = dict[str, Any]
#: The spec's schema at a place (None: unknown), as `entente_daemon.pact.writing` finds it.
Schema = dict[str, Any] | None


def datetime_format(text: str) -> str | None:
    """The Java pattern of an ISO 8601 date-time (``2026-12-02T16:45:00.123Z`` →
    ``yyyy-MM-dd'T'HH:mm:ss.SSSXXX``); None when the text is not one Entente can spell."""
    found = _ISO.match(text)
    if found is None:
        return None
    pattern = "yyyy-MM-dd" + ("'T'" if found["sep"] == "T" else " ") + "HH:mm"
    if found["sec"]:
        pattern += ":ss"
    frac = found["frac"]
    if frac:
        if len(frac) > 6 or not found["sec"]:
            return None
        pattern += "." + "S" * len(frac)
    zone = found["zone"]
    if zone:
        pattern += "XX" if re.fullmatch(r"[+-]\d{4}", zone) else "XXX"
    return pattern


def value_rule(value: Any, field: str | None, schema: Schema) -> list[Matcher] | None:
    """The matchers that hold ``value`` loosely (see the module's choice), None: equality."""
    if value is None or isinstance(value, dict | list):
        return None
    schema = schema or {}
    if "enum" in schema or "const" in schema:
        return None
    kind = volatile_kind(value, field)
    declared = schema.get("format")
    if isinstance(value, str):
        if kind is not None and isinstance(schema.get("pattern"), str):
            return [{"match": "regex", "regex": schema["pattern"]}]
        if kind == "uuid" or declared == "uuid" and _UUID_TEXT.fullmatch(value):
            return [{"match": "regex", "regex": UUID_REGEX}]
        if kind == "datetime" or declared == "date-time":
            spelled = datetime_format(value)
            if spelled is not None:
                return [{"match": "datetime", "format": spelled}]
        if declared == "date" and _DATE.match(value):
            return [{"match": "date", "format": "yyyy-MM-dd"}]
    if kind is None:
        return None
    if isinstance(value, bool):
        return [{"match": "type"}]
    if isinstance(value, int):
        return [{"match": "integer"}]
    if isinstance(value, float):
        return [{"match": "number"}]
    return [{"match": "type"}]


def text_regex(text: str) -> str | None:
    """A regex for a header value with volatile parts (``/castles/<uuid>``): the text, its
    uuids, date-times and id tokens left free; None when nothing in it is volatile."""
    steady = steady_text(text)
    if steady == text:
        return None
    parts = re.split(r"(<uuid>|<datetime>|<token>)", steady)
    free = {
        "<uuid>": UUID_REGEX[1:-1],
        "<datetime>": r"\d{4}-\d{2}-\d{2}[T ][0-9:.,]+(?:Z|[+-][0-9:]+)?",
        "<token>": r"[0-9A-Za-z]+",
    }
    return "^" + "".join(free.get(p, re.escape(p)) for p in parts) + "$"


#: Finds the schema at a step below a schema (a property's, an array's items').
SchemaStep = Callable[[Schema, str | int], Schema]


#: A step of a rule's path: a field, an index, or `EVERY` item.
Step = str | int | None
EVERY: Step = None
Found = dict[tuple[Step, ...], dict[str, Any]]


def body_rules(
    body: Any, schema: Schema, step: SchemaStep, *, generated: bool = False
) -> dict[str, dict[str, Any]]:
    """The ``body`` category of the rules for a recorded body: ``{"$.id": {...}}``."""
    rules: dict[str, dict[str, Any]] = {}
    if generated and body is not None:
        rules["$"] = {"combine": "AND", "matchers": [{"match": "type"}]}
    found: Found = {}
    _walk(body, schema, None, step, found)
    rules.update({_path(steps): rule for steps, rule in found.items()})
    return rules


def _path(steps: tuple[Step, ...]) -> str:
    path = "$"
    for one in steps:
        path = path + "[*]" if one is None else child(path, one)
    return path


def _walk(value: Any, schema: Schema, field: str | None, step: SchemaStep, out: Found) -> None:
    """The rules below ``value``, by their steps relative to it (paths are spelled only for
    the rules written: most values get none)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            name = str(key)
            below: Found = {}
            _walk(sub, step(schema, name), name, step, below)
            out.update({(name, *steps): rule for steps, rule in below.items()})
        return
    if isinstance(value, list):
        # Each item's rules, relative to the item; the same for every item: written once
        # with ``[*]`` (smaller files, and they hold the provider's other items too).
        items = step(schema, 0)
        found: list[Found] = []
        for sub in value:
            rules: Found = {}
            _walk(sub, items, field, step, rules)
            found.append(rules)
        if found and all(f == found[0] for f in found[1:]):
            out.update({(EVERY, *steps): rule for steps, rule in found[0].items()})
        else:
            for index, rules in enumerate(found):
                out.update({(index, *steps): rule for steps, rule in rules.items()})
        return
    matchers = value_rule(value, field, schema)
    if matchers is not None:
        out[()] = {"combine": "AND", "matchers": matchers}
