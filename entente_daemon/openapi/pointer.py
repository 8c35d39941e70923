"""JSON pointers (RFC 6901) as plain strings: ``""`` is the whole document, ``"/paths/~1a"``
is ``doc["paths"]["/a"]``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote


def escape(token: str) -> str:
    if "~" in token or "/" in token:
        return token.replace("~", "~0").replace("/", "~1")
    return token


def unescape(token: str) -> str:
    if "~" in token:
        return token.replace("~1", "/").replace("~0", "~")
    return token


def join(pointer: str, *tokens: str | int) -> str:
    for token in tokens:
        pointer += "/" + escape(str(token))
    return pointer


def from_parts(parts: Iterable[str | int]) -> str:
    return join("", *parts)


def split(pointer: str) -> list[str]:
    """The tokens of ``pointer``; ``""`` gives ``[]``."""
    if not pointer:
        return []
    return [unescape(token) for token in pointer.split("/")[1:]]


def parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0] if pointer else ""


def from_fragment(fragment: str) -> str:
    """The pointer of a URI fragment (``#/paths/~1a%7Bb%7D`` without the ``#``): fragments
    are percent-encoded, pointers are not."""
    return unquote(fragment) if "%" in fragment else fragment


def dotted(pointer: str) -> str:
    """``/paths/~1castles/get`` → ``paths./castles.get``: how errors show a place."""
    return ".".join(split(pointer))


class PointerError(LookupError):
    """The pointer does not lead anywhere; ``at`` is the longest prefix that exists."""

    def __init__(self, pointer: str, at: str, token: str) -> None:
        self.pointer = pointer
        self.at = at
        self.token = token
        where = dotted(at) or "the top level"
        super().__init__(f"{where} has no {token!r}")


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``document``; `PointerError` if there is none."""
    node = document
    done = ""
    for token in split(pointer):
        if isinstance(node, dict):
            if token not in node:
                raise PointerError(pointer, done, token)
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                raise PointerError(pointer, done, token)
            node = node[int(token)]
        else:
            raise PointerError(pointer, done, token)
        done = join(done, token)
    return node
