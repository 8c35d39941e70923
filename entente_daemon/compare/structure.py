"""Does the provider's answer still carry everything the consumer saw? A shape comparison.

The recorded body is what the consumer's tests ran against; the actual body is what the
provider sends now. Every field path of the recorded body must exist in the actual one with
a compatible type. The rules, chosen for what a consumer can depend on:

- **Extra fields are fine**: a consumer cannot depend on what it never saw.
- **Numbers**: integers and floats are one kind, ``number`` (JSON does not tell them apart,
  and neither do most consumers' parsers). Booleans are their own kind.
- **Arrays are compared by their items' shape, not item by item**: the items' shapes are
  merged (every field path any item had, with every kind seen there), and each path of the
  recorded items' shape must be in the actual items' shape. Paths say ``[*]`` for "the
  items": ``$[*].region``. Order and length are data, not shape.
- **An empty actual array** where the recorded one had items is *not* a mismatch by default:
  how many items come back depends on the provider's state, which the provider state
  handler sets up; an empty array has no shape that could contradict the consumer's. Pass
  ``strict_arrays=True`` to report it (when states are known to reproduce the data).
- **Types**: at each path, every non-null kind the provider sends must be one the consumer
  saw there (a ``yearBuilt`` that was a number and is now a string breaks a consumer;
  with arrays, a kind seen in any recorded item counts).
- **Null**: where the consumer only ever saw ``null``, any value is accepted (it cannot have
  depended on a type it never saw), but the field must still be there; where it saw a
  value, ``null`` among values is accepted (some items may lack data, as in the recording's
  own mix), but a path that is *only* null now is a mismatch ("the consumer saw a string
  here; the provider now sends null").
- A recorded body of None (no body) asks for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from entente_daemon.compare.paths import EVERY_ITEM, child

NULL = "null"


def kind_of(value: Any) -> str:
    """The JSON kind of a value: object, array, string, number, boolean or null."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


@dataclass
class Shape:
    """The merged shape of one or more values at one place: the kinds seen, the fields of
    the objects (merged), the items of the arrays (merged) and whether an array had items."""

    kinds: set[str] = field(default_factory=set)
    fields: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None

    def add(self, value: Any) -> Shape:
        self.kinds.add(kind_of(value))
        if isinstance(value, dict):
            for key, sub in value.items():
                self.fields.setdefault(str(key), Shape()).add(sub)
        elif isinstance(value, list | tuple):
            for item in value:
                if self.items is None:
                    self.items = Shape()
                self.items.add(item)
        return self

    @property
    def values(self) -> set[str]:
        """The kinds other than null."""
        return self.kinds - {NULL}


def shape_of(value: Any) -> Shape:
    return Shape().add(value)


@dataclass(frozen=True, slots=True)
class StructureProblem:
    path: str
    expected: str  # what the consumer saw: "string", "number or string"
    actual: str | None  # what the provider sends now; None: nothing (the field is gone)
    message: str


def structure_problems(
    recorded: Any, actual: Any, *, strict_arrays: bool = False
) -> list[StructureProblem]:
    """Where ``actual`` no longer carries what ``recorded`` had (see the module's rules)."""
    if recorded is None:
        return []
    problems: list[StructureProblem] = []
    _compare(shape_of(recorded), shape_of(actual), "$", problems, strict_arrays)
    return problems


def _kinds(kinds: set[str]) -> str:
    ordered = sorted(kinds)
    return ordered[0] if len(ordered) == 1 else " or ".join(ordered)


def _article(kinds: set[str]) -> str:
    text = _kinds(kinds)
    return f"an {text}" if text[0] in "aeiou" else f"a {text}"


def _compare(
    recorded: Shape, actual: Shape, path: str, out: list[StructureProblem], strict: bool
) -> None:
    seen = recorded.values
    if not seen:
        return  # only null was seen: no type to depend on, nothing inside
    sent = actual.values
    if not sent:
        out.append(
            StructureProblem(
                path,
                _kinds(seen),
                NULL,
                f"{path}: the consumer saw {_article(seen)} here; the provider now sends null",
            )
        )
        return
    unexpected = sent - seen
    if unexpected:
        out.append(
            StructureProblem(
                path,
                _kinds(seen),
                _kinds(sent),
                f"{path}: the consumer saw {_article(seen)} here; "
                f"the provider now sends {_article(unexpected)}",
            )
        )
        return
    if "object" in seen and "object" in sent:
        for name, sub in recorded.fields.items():
            where = child(path, name)
            if name not in actual.fields:
                out.append(_gone(where, sub.kinds))
                continue
            _compare(sub, actual.fields[name], where, out, strict)
    if "array" in seen and "array" in sent and recorded.items is not None:
        where = path + EVERY_ITEM
        if actual.items is None:
            if strict:
                out.append(
                    StructureProblem(
                        path,
                        "array with items",
                        "empty array",
                        f"{path}: the consumer saw items here; the provider now sends none",
                    )
                )
            return
        _compare(recorded.items, actual.items, where, out, strict)


def _gone(path: str, kinds: set[str]) -> StructureProblem:
    return StructureProblem(
        path,
        _kinds(kinds),
        None,
        f"{path}: the consumer saw {_article(kinds)} here; the provider no longer sends it",
    )
