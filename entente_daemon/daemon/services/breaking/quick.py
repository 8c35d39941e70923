"""A quick look at a save of a big YAML spec: only the path items whose text changed are
parsed, so that the alert does not wait for the whole file to be parsed again.

The previous text and the saved one are compared line by line (common head, common tail);
when what lies between is inside the ``paths:`` section, the saved text is loaded with every
other path item's lines blanked (blank lines mean nothing to YAML, so every line keeps its
number: file and line of each change stay true). The result is a `Spec` holding the changed
path items and everything outside ``paths`` (components, servers...). Anything else (a
change outside ``paths``, JSON, flow style, an anchor used across items, a file that does not
load) is "not quick" (None): the caller waits for the full load, which always follows and
corrects what the quick look said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from entente_daemon.openapi import Spec, SpecError, load_spec_text

_PATHS = re.compile(r"^paths:\s*(#.*)?$")
_ITEM = re.compile(r"^(?P<indent> +)(?P<key>'[^']*'|\"[^\"]*\"|/[^:#]*):\s*(#.*)?$")


@dataclass(frozen=True)
class QuickLoad:
    spec: Spec  # the changed path items and everything outside paths
    paths: frozenset[str]  # the path templates whose text changed (either side)


@dataclass(frozen=True)
class _Section:
    """The ``paths:`` section of a text: its lines, and the indent of its items."""

    start: int  # the line after ``paths:``
    end: int  # the first line after the section
    indent: str
    first_item: int


def quick_spec(
    before: str, after: str, root: Path, ref_roots: tuple[Path, ...] = ()
) -> QuickLoad | None:
    """``after`` (the saved text of ``root``) loaded as far as it changed from ``before``,
    or None when that cannot be done quickly and surely."""
    if root.suffix not in (".yaml", ".yml"):
        return None
    old, new = before.splitlines(), after.splitlines()
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    room = min(len(old), len(new)) - head
    while tail < room and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    old_section, new_section = _section(old), _section(new)
    if old_section is None or new_section is None:
        return None
    was = _touched(old, old_section, head, len(old) - tail)
    now = _touched(new, new_section, head, len(new) - tail)
    if was is None or now is None or "&" in "".join(new[head : len(new) - tail]):
        return None  # outside paths, or an anchor: the whole file must be read
    keys = was[0] | now[0]
    start, end = new_section.start, new_section.end
    if now[1] is None:  # only lines taken out: no item of the saved text to read
        lines = [*new[: start - 1], "paths: {}", *([""] * (end - start)), *new[end:]]
    else:
        a, b = now[1]
        lines = [*new[:start], *([""] * (a - start)), *new[a:b], *([""] * (end - b)), *new[end:]]
    try:
        spec = load_spec_text(
            "\n".join(lines) + "\n",
            root.name,
            base_dir=root.parent,
            validate=False,
            ref_roots=ref_roots,
        )
    except SpecError:
        return None  # the full load says what is wrong
    return QuickLoad(spec, frozenset(keys))


def _section(lines: list[str]) -> _Section | None:
    """Where the block-style ``paths:`` section is, and its items' indent."""
    start = next((n + 1 for n, line in enumerate(lines) if _PATHS.match(line)), None)
    if start is None:
        return None
    end = next(
        (n for n in range(start, len(lines)) if lines[n][:1] not in ("", " ", "#", "\t")),
        len(lines),
    )
    for n in range(start, end):
        line = lines[n]
        if line.strip() and not line.lstrip().startswith("#"):
            found = _ITEM.match(line)
            return None if found is None else _Section(start, end, found["indent"], n)
    return None


def _item_key(line: str, indent: str) -> str | None:
    """The path of an item's first line (``  /castles:``); None for any other line."""
    if not line.startswith(indent) or line[len(indent) : len(indent) + 1] in (" ", ""):
        return None
    found = _ITEM.match(line)
    return found["key"].strip("'\"") if found is not None and found["indent"] == indent else None


def _touched(
    lines: list[str], section: _Section, first: int, last: int
) -> tuple[set[str], tuple[int, int] | None] | None:
    """The keys of the items that lines ``first``..``last`` (exclusive) touch, and the
    lines of those items; None when those lines reach outside the items."""
    if first >= last:
        return set(), None
    if first < section.first_item or last > section.end:
        return None
    a = first
    while _item_key(lines[a], section.indent) is None:
        a -= 1  # back to the first line of the item the change begins in
    b = last
    while b < section.end and _item_key(lines[b], section.indent) is None:
        b += 1
    keys: set[str] = set()
    for n in range(a, b):
        line = lines[n]
        key = _item_key(line, section.indent)
        if key is not None:
            keys.add(key)
        elif (
            line.strip()
            and not line.lstrip().startswith("#")
            and len(line) - len(line.lstrip(" ")) <= len(section.indent)
        ):
            return None  # something at the items' level that is not an item
    return keys, (a, b)
