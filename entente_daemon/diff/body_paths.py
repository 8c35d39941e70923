"""Body places as JSON pointers with ``*`` for array items: what a recorded body holds, and
whether a change's place is one of them. Pure.

A recorded body ``[{"id": 1, "tags": ["a"]}]`` holds ``/*``, ``/*/id``, ``/*/tags`` and
``/*/tags/*``. A change at ``/*/tags`` touches what that body holds (the consumer read the
field), and so does a change at ``/*`` or ``""`` (the body as a whole). In a change's
pointer ``*`` stands for any one step (an array item, or any key of a map), so a change at
``/*/name`` touches a recorded ``/*/name`` and a recorded ``/en/name`` alike.
"""

from __future__ import annotations

from typing import Any

from entente_daemon.openapi import pointer as jp

#: How deep a recorded body is walked (the recorder bounds bodies already).
MAX_DEPTH = 32
#: At most this many places are kept of one body.
MAX_PLACES = 5000
ITEM = "*"


def body_places(body: Any) -> frozenset[str]:
    """The places ``body`` holds (see the module docstring); empty for no body. A value
    that is not an object or array holds no place but the body itself (``""``), which is
    never listed: every body holds it."""
    found: set[str] = set()
    _walk(body, "", 0, found)
    return frozenset(found)


def _walk(value: Any, at: str, depth: int, found: set[str]) -> None:
    if depth >= MAX_DEPTH or len(found) >= MAX_PLACES:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            name = str(key)
            place = at + "/" + (jp.escape(name) if "~" in name or "/" in name else name)
            found.add(place)
            _walk(child, place, depth + 1, found)
    elif isinstance(value, list):
        place = at + "/" + ITEM
        if value:
            found.add(place)
        for child in value:
            _walk(child, place, depth + 1, found)


def _steps_match(change: list[str], recorded: list[str]) -> bool:
    return all(c in (ITEM, r) for c, r in zip(change, recorded, strict=True))


def touches(pointer: str, places: frozenset[str], *, has_body: bool = True) -> str | None:
    """The recorded place a change at ``pointer`` touches, or None: the place itself, or the
    shortest place under it (a removed object touches a field read inside it). ``""`` (the
    body as a whole) touches any body there was."""
    if pointer == "":
        return "" if has_body else None
    if pointer in places:
        return pointer
    wanted = jp.split(pointer)
    best: str | None = None
    for place in places:
        steps = jp.split(place)
        if len(steps) < len(wanted) or not _steps_match(wanted, steps[: len(wanted)]):
            continue
        if best is None or len(place) < len(best) or (len(place) == len(best) and place < best):
            best = place
    return best


def readable(pointer: str) -> str:
    """A body place as people read it: ``/region`` → ``region``, ``/*/region`` →
    ``[*].region``, ``/items/*/name`` → ``items[*].name``, ``""`` → ``the body``."""
    if pointer == "":
        return "the body"
    text = ""
    for step in jp.split(pointer):
        if step == ITEM:
            text += "[*]"
        else:
            text += ("." if text else "") + step
    return text
