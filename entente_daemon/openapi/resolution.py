"""Which version of a provider's spec a mock serves, and why.

Pure: the caller gathers the candidates (the project's configured spec file, the local
store's spec versions, later the broker's) and `choose_spec` picks one by these rules:

1. ``latest`` (or no version asked): the newest;
2. the exact version asked;
3. else the closest version with the same major number;
4. else the newest there is.

The answer says which rule applied, so that a consumer whose tests run against another
version than it asked for learns so from the log instead of from a failed verification.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from entente_daemon.errors import EntenteError

LATEST = "latest"

SpecSourceKind = Literal["project", "store", "broker"]
ChoiceRule = Literal["latest", "exact", "same_major", "newest"]

_VERSION = re.compile(r"^[vV]?(\d+(?:\.\d+)*)(?:[-.]?([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


class SpecResolutionError(EntenteError):
    """No spec at all is available for a provider."""


@dataclass(frozen=True)
class SpecCandidate:
    """One available spec version. ``location`` is where to load it from: a file path for
    ``project``, the store id (``service@version``) for ``store``. ``order`` breaks ties
    between versions that do not parse (higher: more recent, e.g. its upload order)."""

    version: str
    source: SpecSourceKind
    location: str
    order: int = 0


@dataclass(frozen=True)
class SpecChoice:
    """The spec version a mock serves: ``version``, where it came from, and why."""

    version: str
    source: SpecSourceKind
    reason: str
    rule: ChoiceRule
    candidate: SpecCandidate


@dataclass(frozen=True, order=True)
class _Key:
    """A sort key for versions: parseable ones (semver-ish) above the rest; a release above
    its pre-releases; the project's file above the store's copy; then the candidate's order
    (which ranks versions that do not parse)."""

    parsed: bool
    numbers: tuple[int, ...]
    release: bool
    pre: tuple[tuple[int, int | str], ...]
    project: bool
    order: int


def parse_version(version: str) -> tuple[tuple[int, ...], str | None] | None:
    """``"v1.2.3-rc.1"`` → ``((1, 2, 3), "rc.1")``; None when it is not a version number."""
    found = _VERSION.match(version.strip())
    if found is None:
        return None
    numbers = tuple(int(part) for part in found.group(1).split("."))
    return numbers, found.group(2)


def _pre_key(pre: str | None) -> tuple[tuple[int, int | str], ...]:
    if pre is None:
        return ()
    # numeric identifiers sort below alphanumeric ones, as in semver
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.-]", pre))


def _key(candidate: SpecCandidate) -> _Key:
    parsed = parse_version(candidate.version)
    numbers, pre = parsed if parsed is not None else ((), None)
    padded = numbers + (0,) * (3 - len(numbers))
    return _Key(
        parsed=parsed is not None,
        numbers=padded,
        release=pre is None,
        pre=_pre_key(pre),
        order=candidate.order,
        project=candidate.source == "project",
    )


def _same_version(a: str, b: str) -> bool:
    """Equal as written, or as numbers (``v1.0`` is ``1.0.0``)."""
    if a == b:
        return True
    pa, pb = parse_version(a), parse_version(b)
    if pa is None or pb is None:
        return False
    width = max(len(pa[0]), len(pb[0]), 3)
    return (pa[0] + (0,) * (width - len(pa[0])), pa[1]) == (
        pb[0] + (0,) * (width - len(pb[0])),
        pb[1],
    )


def _major(version: str) -> int | None:
    parsed = parse_version(version)
    return parsed[0][0] if parsed is not None else None


def _distance(asked: tuple[int, ...], other: tuple[int, ...]) -> tuple[int, ...]:
    width = max(len(asked), len(other), 3)
    a = asked + (0,) * (width - len(asked))
    b = other + (0,) * (width - len(other))
    return tuple(abs(x - y) for x, y in zip(a, b, strict=True))


def _describe(candidates: Sequence[SpecCandidate]) -> str:
    seen: list[str] = []
    for candidate in sorted(candidates, key=_key):
        label = f"{candidate.version} ({candidate.source})"
        if label not in seen:
            seen.append(label)
    return ", ".join(seen)


def choose_spec(
    provider: str, requested: str | None, candidates: Sequence[SpecCandidate]
) -> SpecChoice:
    """Pick the spec version for ``provider``; `SpecResolutionError` when there is none."""
    if not candidates:
        raise SpecResolutionError(
            f"no spec available for provider {provider!r}: give it a spec file in entente.toml "
            f'([[providers]] spec = "path/to/openapi.yaml")'
        )
    asked = (requested or LATEST).strip()
    available = _describe(candidates)
    newest = max(candidates, key=_key)

    if asked.lower() == LATEST:
        return SpecChoice(
            newest.version,
            newest.source,
            f"{provider}: version 'latest' asked; {newest.version} from the {newest.source} "
            f"is the newest of: {available}",
            "latest",
            newest,
        )

    exact = [c for c in candidates if _same_version(c.version, asked)]
    if exact:
        pick = max(exact, key=lambda c: (c.version == asked, _key(c)))
        spelled = " and" if pick.version == asked else f"; {pick.version} is the same version and"
        return SpecChoice(
            pick.version,
            pick.source,
            f"{provider}: version {asked} asked{spelled} available from the {pick.source}",
            "exact",
            pick,
        )

    parsed = parse_version(asked)
    if parsed is not None:
        numbers = parsed[0]
        same_major = [
            c
            for c in candidates
            if _major(c.version) == numbers[0] and parse_version(c.version) is not None
        ]
        if same_major:

            def closeness(c: SpecCandidate) -> tuple[tuple[int, ...], _Key]:
                other = parse_version(c.version)
                assert other is not None
                distance = tuple(-d for d in _distance(numbers, other[0]))
                return distance, _key(c)  # nearest first; on a tie the newer

            pick = max(same_major, key=closeness)
            return SpecChoice(
                pick.version,
                pick.source,
                f"{provider}: version {asked} asked but not available; {pick.version} from "
                f"the {pick.source} is the closest with major version {numbers[0]} "
                f"(available: {available})",
                "same_major",
                pick,
            )
        why = f"no version with major version {numbers[0]}"
    else:
        why = f"{asked!r} is not a version number"

    return SpecChoice(
        newest.version,
        newest.source,
        f"{provider}: version {asked} asked but not available and {why}; using the newest, "
        f"{newest.version} from the {newest.source} (available: {available})",
        "newest",
        newest,
    )
