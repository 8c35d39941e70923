"""`Conversions`: which interaction an answered request was converted to, remembered.

The flusher converts each distinct request it is handed (a redacted, hashed `Interaction`:
some 45 µs); a request it has converted before only needs its content hash, to count one
more repeat. Keys are the recorder's group keys (the request as sent, the answer, who and
which test); the most recently used are kept.

A client whose threads send the same headers in different orders (wrk does) would make two
keys per request, doubling what must be kept; so a key is also looked up with its request
headers in the order of their names (a repeated header's values keep their order: they are
joined in that order when recorded), which is the same interaction.
"""

from __future__ import annotations

from typing import Any

from entente_daemon.model import Interaction

Key = tuple[Any, ...]
HEADERS = 4  # where the request headers are in a key
DEFAULT_SIZE = 8192


class Conversions:
    """At most ``size`` keys → interaction, least recently used forgotten first. Used by
    the flusher thread only (not thread-safe)."""

    __slots__ = ("_known", "size")

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._known: dict[Key, Interaction] = {}

    def get(self, key: Key) -> Interaction | None:
        known = self._known
        found = known.pop(key, None)
        if found is not None:
            known[key] = found  # now the most recently used
            return found
        found = known.get(reordered(key))
        if found is not None:
            self._put(key, found)
        return found

    def put(self, key: Key, interaction: Interaction) -> None:
        self._put(key, interaction)
        self._put(reordered(key), interaction)

    def _put(self, key: Key, interaction: Interaction) -> None:
        known = self._known
        if key in known:
            del known[key]  # put back below as the most recently used
        elif len(known) >= self.size:
            known.pop(next(iter(known)))  # the least recently used
        known[key] = interaction

    def __len__(self) -> int:
        return len(self._known)


def reordered(key: Key) -> Key:
    """``key`` with its request headers in the order of their names."""
    headers = key[HEADERS]
    return (*key[:HEADERS], tuple(sorted(headers, key=_name)), *key[HEADERS + 1 :])


def _name(header: tuple[str, str]) -> str:
    return header[0]
