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
class _Items:
    """The ``paths:`` section of a text: where it is, and each item's key and lines."""

    start: int  # the line after ``paths:``
    end: int  # the first line after the section
    items: tuple[tuple[str, int, int], ...]  # (key, first line, line after the last)


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
    old_items, new_items = _paths_of(old), _paths_of(new)
    if old_items is None or new_items is None:
        return None
    was = _touched(old_items, head, len(old) - tail)
    now = _touched(new_items, head, len(new) - tail)
    if was is None or now is None or "&" in "".join(new[head : len(new) - tail]):
        return None  # outside paths, or an anchor: the whole file must be read
    changed = was | now
    keep = [(a, b) for key, a, b in new_items.items if key in changed]
    lines = list(new)
    for n in range(new_items.start, new_items.end):
        if not any(a <= n < b for a, b in keep):
            lines[n] = ""
    if not keep:
        lines[new_items.start - 1] = "paths: {}"
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
    return QuickLoad(spec, frozenset(changed))


def _paths_of(lines: list[str]) -> _Items | None:
    """The path items of a block-style ``paths:`` section; None when there is none or its
    shape is not the plain one (every item a key alone on its line, at one indent)."""
    start = next((n + 1 for n, line in enumerate(lines) if _PATHS.match(line)), None)
    if start is None:
        return None
    end = len(lines)
    for n in range(start, len(lines)):
        line = lines[n]
        if line and not line[0].isspace() and not line.startswith("#"):
            end = n
            break
    items: list[tuple[str, int, int]] = []
    indent: str | None = None
    for n in range(start, end):
        line = lines[n]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _ITEM.match(line)
        if indent is None:
            if found is None:
                return None
            indent = found["indent"]
        if found is not None and found["indent"] == indent:
            if items:
                items[-1] = (items[-1][0], items[-1][1], n)
            items.append((found["key"].strip("'\""), n, end))
        elif len(line) - len(line.lstrip(" ")) <= len(indent):
            return None  # something at the items' level that is not an item
    return _Items(start, end, tuple(items))


def _touched(section: _Items, first: int, last: int) -> set[str] | None:
    """The keys of the items that lines ``first``..``last`` (exclusive) touch; None when
    those lines reach outside the items."""
    if first >= last:
        return set()
    if not section.items or first < section.items[0][1] or last > section.end:
        return None
    return {key for key, a, b in section.items if a < last and first < b}
