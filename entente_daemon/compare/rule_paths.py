"""Pact's ``$`` paths: parsing a rule's path and finding the rule that governs a value.

A path is ``$`` then steps: ``.name``, ``['odd name']`` (or ``["..."]``), ``[0]``, and the
wildcards ``.*`` and ``[*]`` (any field, any item). A rule governs a value when its path has
the value's path's first steps (a wildcard matches any step); of several, the most specific
wins: the longest path, then the one with fewer wildcards. Whether a rule on an *ancestor*
also governs the value is up to the caller (`entente_daemon.compare.matching_rules`: the
type-like matchers cascade, the others apply where they are written).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: A wildcard step (``*`` as a field name, or ``[*]``).
ANY = "*"

Step = str | int

_NAME = re.compile(r"[^.\[\]]+")


class RulePathError(ValueError):
    """A matching rule's path that is not a pact ``$`` path; the message says where."""


def parse_path(text: str) -> tuple[Step, ...]:
    """``$.items[*].name`` → ``("items", "*", "name")``; the root itself is ``()``."""
    if not text.startswith("$"):
        raise RulePathError(f"{text!r}: a matching rule's path starts with $")
    steps: list[Step] = []
    i = 1
    while i < len(text):
        char = text[i]
        if char == ".":
            found = _NAME.match(text, i + 1)
            if found is None:
                raise RulePathError(f"{text!r}: a name is missing after the dot at {i}")
            steps.append(found.group())
            i = found.end()
        elif char == "[":
            end, step = _bracket(text, i)
            steps.append(step)
            i = end
        else:
            raise RulePathError(f"{text!r}: unexpected {char!r} at {i}")
    return tuple(steps)


def _bracket(text: str, start: int) -> tuple[int, Step]:
    inner_start = start + 1
    if inner_start < len(text) and text[inner_start] in "'\"":
        quote = text[inner_start]
        close = text.find(quote + "]", inner_start + 1)
        if close < 0:
            raise RulePathError(f"{text!r}: unclosed quoted name at {start}")
        return close + 2, text[inner_start + 1 : close]
    close = text.find("]", inner_start)
    if close < 0:
        raise RulePathError(f"{text!r}: unclosed [ at {start}")
    inner = text[inner_start:close].strip()
    if inner == ANY:
        return close + 1, ANY
    if inner.isdigit():
        return close + 1, int(inner)
    raise RulePathError(f"{text!r}: [{inner}] is neither an index, * nor a quoted name")


def steps_match(rule: Sequence[Step], value: Sequence[Step]) -> bool:
    """Whether ``rule`` (no longer than ``value``) names ``value`` or one of its ancestors."""
    if len(rule) > len(value):
        return False
    return all(r in (ANY, v) for r, v in zip(rule, value, strict=False))


@dataclass(frozen=True, slots=True)
class Rule:
    """One path's rule: its matchers (pact's JSON objects, ``{"match": "type", ...}``) and
    how they combine (``AND``: all must pass; ``OR``: one)."""

    text: str
    steps: tuple[Step, ...]
    matchers: tuple[Mapping[str, Any], ...]
    combine: str = "AND"

    @property
    def wildcards(self) -> int:
        return sum(1 for s in self.steps if s == ANY)


def rules_of(category: Mapping[str, Any] | None) -> list[Rule]:
    """One category's rules (``{"$.id": {"matchers": [...], "combine": "AND"}}``) parsed.
    `RulePathError` (a ValueError) for a path or entry that cannot be read."""
    if not category:
        return []
    rules: list[Rule] = []
    for text, entry in category.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("matchers"), list):
            raise RulePathError(f"{text!r}: a rule is an object with a list of matchers")
        matchers = tuple(m for m in entry["matchers"] if isinstance(m, Mapping))
        combine = str(entry.get("combine", "AND")).upper()
        rules.append(Rule(text, parse_path(text), matchers, combine))
    return rules


def governing(rules: Iterable[Rule], value: Sequence[Step]) -> list[Rule]:
    """The rules whose path names ``value`` or an ancestor, most specific first."""
    found = [r for r in rules if steps_match(r.steps, value)]
    found.sort(key=lambda r: (-len(r.steps), r.wildcards))
    return found
