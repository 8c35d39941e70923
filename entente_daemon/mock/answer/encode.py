"""Turning answer values into bytes and header values.

* a body for a JSON media type (``application/json``, ``*/*+json``, or a wildcard such as
  ``*/*``) is compact JSON (``separators=(",", ":")``, UTF-8, no charset parameter); for
  any other media type a string is sent as UTF-8 text and anything else as JSON (the mock
  cannot make up XML or images: specs that serve those should have examples or fixtures);
* a header value is serialised in the ``simple`` style: arrays comma-joined, objects as
  ``key,value,...``, booleans as ``true``/``false``; header values are kept to one line of
  Latin-1 (what HTTP allows), anything else replaced by ``?``.
"""

from __future__ import annotations

import json
from typing import Any

JSON_SUFFIX = "+json"


def media_essence(content_type: str | None) -> str:
    """``application/json`` for ``Application/JSON; charset=utf-8``; ``""`` for None."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def is_json_media(media_type: str) -> bool:
    essence = media_essence(media_type)
    return (
        essence in ("application/json", "text/json")
        or essence.endswith(JSON_SUFFIX)
        or "*" in essence
    )


def encodes_larger_than(value: Any, limit: int) -> bool:
    """Whether ``value`` written as JSON takes more than about ``limit`` bytes (strings
    counted by characters). Stops as soon as it knows: its cost is bounded by ``limit``,
    however large the value is (values shared many times over count every time, as they
    would be written)."""
    total = 0
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 3
        elif isinstance(item, dict):
            total += 2
            for key, child in item.items():
                total += len(str(key)) + 4
                stack.append(child)
        elif isinstance(item, list | tuple):
            total += 2 + len(item)
            stack.extend(item)
        else:
            total += len(str(item)) + 1
        if total > limit:
            return True
    return False


def dump_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def encode_body(value: Any, media_type: str) -> tuple[bytes, str]:
    """The body bytes and the ``Content-Type`` to send ``value`` as ``media_type``."""
    essence = media_essence(media_type)
    if "*" in essence:  # a wildcard documented: say what is really sent
        if isinstance(value, str) and not essence.startswith("application/"):
            return value.encode("utf-8"), "text/plain; charset=utf-8"
        return dump_json(value), "application/json"
    if is_json_media(essence):
        return dump_json(value), media_type
    if isinstance(value, str):
        if essence.startswith("text/") and "charset" not in media_type.lower():
            return value.encode("utf-8"), f"{media_type}; charset=utf-8"
        return value.encode("utf-8"), media_type
    if value is None:
        return b"", media_type
    return dump_json(value), media_type


def header_value(value: Any) -> str:
    """A value in the ``simple`` style of OpenAPI headers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(header_value(item) for item in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{header_value(v)}" for k, v in value.items())
    return safe_header(str(value))


def safe_header(text: str, limit: int = 512) -> str:
    """One line of Latin-1, at most ``limit`` characters."""
    flat = " ".join(text.split())
    cleaned = "".join(c if 32 <= ord(c) < 256 and ord(c) != 127 else "?" for c in flat)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 3] + "..."
    return cleaned
