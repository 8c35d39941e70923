"""Generated answers echo what the request pins: ``GET /castles/{id}`` answers a castle whose
``id`` is the one asked for, as a user expects of a mock.

Only where the schema allows it: the generated body is an object with a property named as a
path parameter (or ``id`` for the last parameter when it is named ``…Id``/``…_id``, as in
``/todos/{todoId}``); the parameter's typed value has the property's JSON type; and the body
with the value put in still validates against the response schema (else the generated value
stays). Pure and deterministic: the same request gives the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from entente_daemon.mock.generate.jsontype import json_type

Fits = Callable[[Any], bool]


def property_for(name: str, last: bool) -> tuple[str, ...]:
    """The body properties a path parameter called ``name`` may pin, best first."""
    lowered = name.lower()
    if last and lowered != "id" and (lowered.endswith("_id") or name.endswith("Id")):
        return (name, "id")
    return (name,)


def _same_type(generated: Any, pinned: Any) -> bool:
    kinds = {json_type(generated), json_type(pinned)}
    return len(kinds) == 1 or kinds == {"integer", "number"} and not isinstance(pinned, bool)


def echo_pinned(value: Any, path: Mapping[str, Any], fits: Fits) -> Any:
    """``value`` (a generated body) with the path parameters' values put in the properties
    they name, where the type matches and the result still ``fits`` the schema."""
    if not path or not isinstance(value, dict):
        return value
    names = list(path)
    echoed = dict(value)
    changed = False
    for index, name in enumerate(names):
        pinned = path[name]
        if pinned is None or isinstance(pinned, dict | list):
            continue
        for key in property_for(name, index == len(names) - 1):
            if key in echoed and echoed[key] != pinned and _same_type(echoed[key], pinned):
                echoed[key] = pinned
                changed = True
                break
    if not changed or not fits(echoed):
        return value
    return echoed
