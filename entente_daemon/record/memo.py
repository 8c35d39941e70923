"""`Conversions`: which interaction an answered request was converted to, remembered.

The flusher converts each distinct request it is handed (a redacted, hashed `Interaction`:
some 45 µs); a request it has converted before only needs its content hash, to count one
more repeat. The cache is keyed by a digest of the recorder's group key (the request as
sent, the answer, who and which test), never the key itself: a key holds raw bodies and
headers (credentials included), which must not be kept for longer than the flush that
converts them. The most recently used are kept.

A client whose threads send the same headers in different orders (wrk does) would make two
keys per request, doubling what must be kept; so the digest takes the request headers in
the order of their names (a repeated header's values keep their order: they are joined in
that order when recorded), which is the same interaction.
"""

from __future__ import annotations

import hashlib
from typing import Any

from entente_daemon.model import Interaction

Key = tuple[Any, ...]
Digest = bytes
HEADERS = 4  # where the request headers are in a key
DEFAULT_SIZE = 8192


class Conversions:
    """At most ``size`` key digests → interaction, least recently used forgotten first.
    Used by the flusher thread only (not thread-safe)."""

    __slots__ = ("_known", "size")

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._known: dict[Digest, Interaction] = {}

    def get(self, digest: Digest) -> Interaction | None:
        known = self._known
        found = known.pop(digest, None)
        if found is not None:
            known[digest] = found  # now the most recently used
        return found

    def put(self, digest: Digest, interaction: Interaction) -> None:
        known = self._known
        if digest in known:
            del known[digest]  # put back below as the most recently used
        elif len(known) >= self.size:
            known.pop(next(iter(known)))  # the least recently used
        known[digest] = interaction

    def digests(self) -> list[Digest]:
        return list(self._known)

    def __len__(self) -> int:
        return len(self._known)


def digest(key: Key) -> Digest:
    """A digest of a group key, its request headers taken in the order of their names."""
    hasher = hashlib.blake2b(digest_size=20)
    for number, part in enumerate(key):
        if number == HEADERS and isinstance(part, tuple | list):
            part = tuple(sorted(part, key=_name))
        _feed(hasher, part)
    return hasher.digest()


def _feed(hasher: Any, part: Any) -> None:
    """Each part with its type and length first, so that no two keys feed the same bytes."""
    if isinstance(part, bytes | bytearray | memoryview):
        data = bytes(part)
        hasher.update(b"b%d:" % len(data))
        hasher.update(data)
    elif isinstance(part, str):
        data = part.encode("utf-8", "surrogatepass")
        hasher.update(b"s%d:" % len(data))
        hasher.update(data)
    elif part is None:
        hasher.update(b"n")
    elif isinstance(part, bool | int):
        hasher.update(b"i%d;" % part)
    elif isinstance(part, tuple | list):
        hasher.update(b"t%d(" % len(part))
        for item in part:
            _feed(hasher, item)
        hasher.update(b")")
    else:
        data = repr(part).encode("utf-8", "surrogatepass")
        hasher.update(b"r%d:" % len(data))
        hasher.update(data)


def _name(header: tuple[str, str]) -> str:
    return header[0]
