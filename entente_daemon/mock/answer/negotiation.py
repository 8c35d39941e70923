"""Content negotiation on ``Accept`` (RFC 9110 §12.5.1): which offered media type to answer with.

Each offered media type gets the quality (``q``) of the *most specific* ``Accept`` range that
matches it; the offer with the highest quality wins, ties going to the offer matched by the
more specific range, then to the order of ``offered`` (the spec's order). ``q=0`` means "not
this". From the most specific range down:

1. ``type/subtype`` exactly (parameters in the range must agree with the ones the offer
   declares; each agreeing parameter makes the range more specific);
2. ``type/*``;
3. the ``+json`` rule: ``application/json`` in ``Accept`` also accepts an offered
   ``application/<anything>+json`` (``application/problem+json``, a vendor type), which is
   JSON a client asking for JSON can read; it is a weaker match than ``application/*``, and
   never the other way round (a client asking for ``application/vnd.castle+json`` is not
   given plain ``application/json``);
4. ``*/*`` (a lone ``*``, which some clients send, counts as ``*/*``).

An offer that is itself a wildcard (a spec documenting ``*/*`` or ``image/*``) matches any
range that overlaps it, as weakly as ``*/*``. Leniency: a malformed ``q`` counts as 1 (clamped
to 0..1); ranges that are not media types are skipped, and an ``Accept`` with no usable range
is treated as absent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

from entente_daemon.mock.media import JSON_SUFFIX, MediaType, parse_media_type

# Specificity of a range matching an offer (higher is more specific).
_EXACT = 40
_TYPE_WILDCARD = 30
_JSON_SUFFIX = 20
_ANY = 10

Range = tuple[MediaType, float]


def _quality(raw: str) -> float:
    try:
        q = float(raw)
    except ValueError:
        return 1.0
    if math.isnan(q):
        return 1.0
    return min(max(q, 0.0), 1.0)


@lru_cache(maxsize=256)
def parse_accept(accept: str) -> tuple[Range, ...]:
    """The ranges of an ``Accept`` value with their ``q``; parameters after ``q``
    (accept-extensions) are dropped."""
    ranges: list[Range] = []
    for item in accept.split(","):
        media = parse_media_type(item)
        if media is None:
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        for name, value in media.params:
            if name == "q":
                q = _quality(value)
                break
            params.append((name, value))
        ranges.append((MediaType(media.main, media.sub, tuple(params)), q))
    return tuple(ranges)


def _specificity(accepted: MediaType, offer: MediaType) -> int:
    """How specifically ``accepted`` matches ``offer``; 0 when it does not."""
    if "*" in (offer.main, offer.sub):
        main_ok = "*" in (accepted.main, offer.main) or accepted.main == offer.main
        sub_ok = "*" in (accepted.sub, offer.sub) or accepted.sub == offer.sub
        return _ANY if main_ok and sub_ok else 0
    if accepted.main == "*":
        return _ANY
    if accepted.main != offer.main:
        return 0
    if accepted.sub == "*":
        return _TYPE_WILDCARD
    if accepted.sub == offer.sub:
        score = _EXACT
        for name, value in accepted.params:
            declared = offer.param(name)
            if declared is None:
                continue  # the offer says nothing: the parameter does not decide
            if declared.lower() != value.lower():
                return 0
            score += 1
        return score
    if accepted.sub == "json" and offer.sub.endswith(JSON_SUFFIX):
        return _JSON_SUFFIX
    return 0


def quality(ranges: Sequence[Range], offer: MediaType) -> tuple[float, int]:
    """The quality of ``offer`` under ``ranges`` (from its most specific matching range,
    the highest ``q`` among equally specific ones) and that specificity; (0, 0) when no range
    matches."""
    best_q, best_specificity = 0.0, 0
    for accepted, q in ranges:
        specificity = _specificity(accepted, offer)
        if specificity > best_specificity or (
            specificity == best_specificity and specificity and q > best_q
        ):
            best_q, best_specificity = q, specificity
    return best_q, best_specificity


_DECIDED: dict[tuple[str | None, tuple[str, ...]], str | None] = {}
_DECIDED_MAX = 1024


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The entry of ``offered`` (media types as the spec writes them) to answer with, or
    None when ``Accept`` accepts none of them (a ``406``). Without an ``Accept`` (or with
    one that has no usable range) the first offer; with nothing offered, None (the caller
    knows whether an empty answer needs negotiating at all).

    Decisions are remembered (a client sends the same ``Accept`` again and again)."""
    if not offered:
        return None
    key = (accept, tuple(offered))
    try:
        return _DECIDED[key]
    except KeyError:
        pass
    decided = _negotiate(accept, offered)
    if len(_DECIDED) >= _DECIDED_MAX:
        _DECIDED.clear()
    _DECIDED[key] = decided
    return decided


def _negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    ranges = parse_accept(accept) if accept and accept.strip() else ()
    if not ranges:
        return offered[0]
    best: str | None = None
    best_key = (0.0, 0)
    for entry in offered:
        offer = parse_media_type(entry)
        if offer is None:
            continue
        key = quality(ranges, offer)
        if key[0] > 0 and key > best_key:
            best, best_key = entry, key
    return best
