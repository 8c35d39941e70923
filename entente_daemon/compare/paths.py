"""JSON paths for messages: ``$``, ``$.items[0].yearBuilt``, ``$["odd key"]``, ``$[*].name``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")

#: The path step for "every item of this array" (shape comparisons are per array, not item).
EVERY_ITEM = "[*]"


def child(path: str, key: str | int) -> str:
    """``path`` one step down: ``.name`` for an identifier, ``[0]`` for an index, else
    ``["odd key"]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def json_path(parts: Iterable[str | int], root: str = "$") -> str:
    """The JSON path of a sequence of keys and indexes (jsonschema's ``absolute_path``)."""
    path = root
    for part in parts:
        path = child(path, part)
    return path
