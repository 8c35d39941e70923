"""What of a body or a header an interaction keeps: at most ``max_body_bytes`` of a body and
``max_header_bytes`` of one header's value, and no JSON nested deeper than ``max_depth``.

Why: one interaction that cannot be stored must never take others with it. A body nested
~900 levels deep cannot even be serialised (pydantic and the store's JSON give up), and a
huge body fills the store and the memory of everything that reads it. Such a body is kept
as text instead (its first ``max_body_bytes``, from the bytes the consumer sent when they
are known), and the interaction says so in its ``notes``; a header value too long is cut
and ends in `TRUNCATED`.

The checks are cheap for ordinary bodies: the size comes from the raw bytes, and the
nesting is only measured when the bytes hold more brackets than ``max_depth``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from entente_daemon.config import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES

MAX_DEPTH = 64  # JSON nesting stored as JSON; deeper bodies are kept as text
TRUNCATED = " [truncated]"


@dataclass(frozen=True, slots=True)
class Limits:
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_depth: int = MAX_DEPTH


def bounded_body(where: str, value: Any, raw: bytes, limits: Limits, notes: list[str]) -> Any:
    """The body as stored: ``value`` itself when it fits, else text (see the module).
    ``where`` names it in the note (``request.body``)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _cut(where, value, limits, notes)
    brackets = raw.count(b"{") + raw.count(b"[") if raw else None
    maybe_deep = brackets is None or brackets > limits.max_depth
    if maybe_deep and nesting(value, limits.max_depth) > limits.max_depth:
        notes.append(f"{where}: JSON nested deeper than {limits.max_depth} levels, kept as text")
        return _cut(where, _as_text(value, raw), limits, notes)
    size = len(raw) if raw else len(_as_text(value, raw).encode("utf-8"))
    if size > limits.max_body_bytes:
        return _cut(where, _as_text(value, raw), limits, notes)
    return value


def bounded_headers(
    where: str, headers: dict[str, str], limits: Limits, notes: list[str]
) -> dict[str, str]:
    """Headers with each value cut to ``max_header_bytes`` (the same dict when none is)."""
    limit = limits.max_header_bytes
    long = [
        name
        for name, value in headers.items()
        if len(value) > limit // 4 and len(value.encode("utf-8")) > limit
    ]
    if not long:
        return headers
    kept = dict(headers)
    for name in long:
        size = len(headers[name].encode("utf-8"))
        kept[name] = _prefix(headers[name], limit) + TRUNCATED
        notes.append(f"{where}.{name}: {size} bytes, kept the first {limit}")
    return kept


def nesting(value: Any, stop: int) -> int:
    """How deep ``value`` nests (a scalar 0, ``[]`` 1); counting stops past ``stop``.
    Iterative: a body too deep for recursion is measured too."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop:
                    return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth) for child in children if isinstance(child, dict | list))
    return deepest


def _as_text(value: Any, raw: bytes) -> str:
    if raw:
        return raw.decode("utf-8", errors="replace")
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        pass
    try:
        return repr(value)
    except RecursionError:
        return "(a body nested too deep to show)"


def _cut(where: str, text: str, limits: Limits, notes: list[str]) -> str:
    limit = limits.max_body_bytes
    if len(text) <= limit // 4:
        return text
    size = len(text.encode("utf-8"))
    if size <= limit:
        return text
    notes.append(f"{where}: {size} bytes, kept the first {limit}")
    return _prefix(text, limit) + TRUNCATED


def _prefix(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` UTF-8 bytes."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
