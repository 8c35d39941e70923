"""Fixture ids as people type them: whole, or any unique prefix."""

from __future__ import annotations

from entente_daemon.model import Fixture

from .errors import FixtureIdError


def resolve(fixtures: list[Fixture], ref: str) -> Fixture:
    """The fixture whose id is ``ref`` or, failing that, the only one it begins with."""
    ref = ref.strip()
    if not ref:
        raise FixtureIdError("an empty fixture id; see `entente fixtures list` for the ids")
    for fixture in fixtures:
        if fixture.id == ref:
            return fixture
    matches = [f for f in fixtures if f.id.startswith(ref)]
    if not matches:
        raise FixtureIdError(
            f"no fixture has an id starting with {ref!r}; see `entente fixtures list`"
        )
    if len(matches) > 1:
        shown = ", ".join(f.id for f in matches[:5]) + (", ..." if len(matches) > 5 else "")
        raise FixtureIdError(
            f"{ref!r} is the start of {len(matches)} fixture ids ({shown}); give more characters"
        )
    return matches[0]
