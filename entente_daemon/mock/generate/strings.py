"""Realistic-looking strings: values for string formats, and plain text shaped by a hint.

Every value comes from the generator's seeded :class:`random.Random`, so a seed gives the same
string in every process. Format values use reserved names and ranges where they exist
(``example.com``, the documentation IPv4 and IPv6 ranges).
"""

from __future__ import annotations

import functools
import random
import string
import uuid
from base64 import b64encode
from collections.abc import Callable
from datetime import date, timedelta

from entente_daemon.mock.generate import patterns

WORDS = (
    "amber", "anchor", "aspen", "atlas", "beacon", "birch", "bramble", "cedar", "cinder", "cobalt",
    "comet", "coral", "crest", "delta", "dune", "ember", "falcon", "fern", "fjord", "flint",
    "garnet", "glade", "granite", "harbor", "hazel", "heron", "indigo", "iris", "jade", "juniper",
    "kestrel", "lagoon", "lantern", "linden", "lotus", "maple", "meadow", "meridian", "moss",
    "nova", "oak", "onyx", "orchid", "pebble", "pine", "prairie", "quartz", "raven", "reef",
    "river", "saffron", "sage", "sierra", "spruce", "summit", "thistle", "tundra", "umber",
    "valley", "willow", "wren", "yarrow", "zephyr", "zinnia",
)  # fmt: skip
FIRST_NAMES = ("ada", "alan", "grace", "linus", "margaret", "ken", "barbara", "dennis", "frances")
LAST_NAMES = ("lovelace", "turing", "hopper", "torvalds", "hamilton", "thompson", "liskov")
_EPOCH = date(2024, 1, 1)


def word(rng: random.Random) -> str:
    return WORDS[rng.randrange(len(WORDS))]


def _email(rng: random.Random) -> str:
    first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
    last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
    return f"{first}.{last}@example.com"


def _date(rng: random.Random) -> str:
    return (_EPOCH + timedelta(days=rng.randrange(730))).isoformat()


def _time(rng: random.Random) -> str:
    return f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"


def _url(rng: random.Random) -> str:
    return f"https://example.com/{word(rng)}/{rng.randrange(1, 1000)}"


def _ipv4(rng: random.Random) -> str:
    network = ("192.0.2", "198.51.100", "203.0.113")[rng.randrange(3)]  # RFC 5737
    return f"{network}.{rng.randrange(1, 255)}"


def _password(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(alphabet[rng.randrange(len(alphabet))] for _ in range(12))


FORMATS: dict[str, Callable[[random.Random], str]] = {
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "date": _date,
    "date-time": lambda rng: f"{_date(rng)}T{_time(rng)}",
    "time": _time,
    "email": _email,
    "idn-email": _email,
    "uri": _url,
    "url": _url,
    "iri": _url,
    "uri-reference": lambda rng: f"/{word(rng)}/{rng.randrange(1, 1000)}",
    "iri-reference": lambda rng: f"/{word(rng)}/{rng.randrange(1, 1000)}",
    "uri-template": lambda rng: f"https://example.com/{word(rng)}/{{id}}",
    "hostname": lambda rng: f"{word(rng)}.example.com",
    "idn-hostname": lambda rng: f"{word(rng)}.example.com",
    "ipv4": _ipv4,
    "ipv6": lambda rng: f"2001:db8::{rng.randrange(1, 0xFFFF):x}",  # RFC 3849
    "byte": lambda rng: b64encode(rng.randbytes(rng.randint(6, 12))).decode("ascii"),
    "binary": lambda rng: rng.randbytes(8).hex(),
    "password": _password,
    "duration": lambda rng: f"P{rng.randint(1, 30)}D",
    "json-pointer": lambda rng: f"/{word(rng)}/{rng.randrange(10)}",
    "relative-json-pointer": lambda rng: f"{rng.randrange(3)}/{word(rng)}",
    "regex": lambda rng: "^[a-z]+$",
}


def _title(rng: random.Random) -> str:
    return f"{word(rng).title()} {word(rng).title()}"


def _sentence(rng: random.Random) -> str:
    words = [word(rng) for _ in range(rng.randint(4, 7))]
    return " ".join(words).capitalize() + "."


def _identifier(rng: random.Random) -> str:
    return rng.randbytes(6).hex()


# Property-name hints for otherwise unconstrained strings, checked in order.
_HINTS: tuple[tuple[tuple[str, ...], Callable[[random.Random], str]], ...] = (
    (("email", "mail"), _email),
    (("url", "uri", "href", "link", "website"), _url),
    (("phone", "mobile"), lambda rng: f"+1-555-01{rng.randrange(100):02d}"),
    (("description", "summary", "comment", "message", "text", "note", "bio"), _sentence),
    (("name", "title", "label"), _title),
)


def _two_words(rng: random.Random) -> str:
    return f"{word(rng)} {word(rng)}"


@functools.lru_cache(maxsize=4096)
def _maker_for(hint: str | None) -> Callable[[random.Random], str]:
    if hint:
        lowered = hint.lower()
        if lowered == "id" or lowered.endswith(("_id", "-id")) or hint.endswith("Id"):
            return _identifier
        for needles, make in _HINTS:
            if any(needle in lowered for needle in needles):
                return make
    return _two_words


def _hinted(hint: str | None, rng: random.Random) -> str:
    return _maker_for(hint)(rng)


def fit_length(value: str, rng: random.Random, min_length: int, max_length: int | None) -> str:
    """Pad with words (or cut) to the length limits, counted in code points as JSON Schema
    does."""
    while len(value) < min_length:
        value = f"{value} {word(rng)}" if value else word(rng)
    if max_length is not None and len(value) > max_length:
        value = value[:max_length]
        trimmed = value.rstrip()
        value = trimmed if len(trimmed) >= min_length else value
    return value


def text(
    rng: random.Random,
    *,
    hint: str | None = None,
    min_length: int = 0,
    max_length: int | None = None,
    formats: tuple[str, ...] = (),
    pattern_list: tuple[str, ...] = (),
) -> str:
    """A string for a schema's string keywords: a format's value when it fits the length and
    the patterns, else a string generated from a pattern, else hinted plain text.

    When a pattern cannot be met the plain text is returned anyway; the caller's final
    validation reports it.
    """
    for name in formats:
        make = FORMATS.get(name)
        if make is None:
            continue
        value = make(rng)
        fits = min_length <= len(value) and (max_length is None or len(value) <= max_length)
        if fits and all(patterns.search(pattern, value) for pattern in pattern_list):
            return value
        break
    if pattern_list:
        matched = patterns.matching_all(
            pattern_list, rng, min_length=min_length, max_length=max_length
        )
        if matched is not None:
            return matched
    return fit_length(_hinted(hint, rng), rng, min_length, max_length)
