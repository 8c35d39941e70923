"""Which stored interactions a clean-up means: by id (whole, or a unique prefix), or by
consumer, consumer version, test, kind and age. Pure but for `every_interaction`, which
reads them all through the records port.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from entente_daemon.errors import EntenteError
from entente_daemon.model import Interaction

from .contracts import seen_at
from .port import Records

_AGE = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: Interactions read per page when reading them all.
PAGE = 1000


class SelectionError(EntenteError):
    """A selection that cannot be understood (an age, an id)."""


def parse_age(text: str) -> timedelta:
    """``30m``, ``12h``, ``7d``, ``2w``, ``90s`` (or several: ``1d12h``)."""
    cleaned = text.strip().lower()
    parts = _AGE.findall(cleaned)
    if not parts or _AGE.sub("", cleaned).strip():
        raise SelectionError(
            f"{text!r} is not an age: give a number and a unit, like 30m, 12h, 7d or 2w"
        )
    total = timedelta()
    for number, unit in parts:
        total += timedelta(**{_UNITS[unit]: int(number)})
    return total


def same_test(test_id: str | None, wanted: str) -> bool:
    """Whether ``test_id`` is the test ``wanted`` names: its whole id, or its short name
    (``tests/test_a.py::test_b`` is also ``test_b``)."""
    if not test_id:
        return False
    return test_id == wanted or test_id.rsplit("::", 1)[-1] == wanted


@dataclass(frozen=True)
class Selection:
    """Interactions matching every condition given (None: any). ``before``: last made
    before then. ``kind``: ``contract`` or ``exploratory``."""

    provider: str | None = None
    consumer: str | None = None
    consumer_version: str | None = None
    test: str | None = None
    kind: str | None = None
    before: datetime | None = None

    @property
    def empty(self) -> bool:
        return all(value is None for value in vars(self).values())

    def matches(self, interaction: Interaction) -> bool:
        return (
            (self.provider is None or interaction.provider == self.provider)
            and (self.consumer is None or interaction.consumer == self.consumer)
            and (
                self.consumer_version is None
                or interaction.consumer_version == self.consumer_version
            )
            and (self.test is None or same_test(interaction.test_id, self.test))
            and (self.kind is None or interaction.kind == self.kind)
            and (self.before is None or seen_at(interaction) < self.before)
        )

    def select(self, interactions: Iterable[Interaction]) -> list[Interaction]:
        return [i for i in interactions if self.matches(i)]


def resolve_ids(interactions: Sequence[Interaction], refs: Iterable[str]) -> list[Interaction]:
    """The interactions ``refs`` name: whole ids or unique prefixes (as `list` shows them)."""
    found: list[Interaction] = []
    for ref in refs:
        ref = ref.strip()
        exact = [i for i in interactions if i.id == ref]
        matches = exact or [i for i in interactions if ref and i.id.startswith(ref)]
        if not matches:
            raise SelectionError(
                f"no interaction has an id starting with {ref!r}; see `entente interactions list`"
            )
        if len(matches) > 1:
            raise SelectionError(
                f"{ref!r} is the start of {len(matches)} interaction ids; give more characters"
            )
        if all(i.id != matches[0].id for i in found):
            found.append(matches[0])
    return found


def every_interaction(
    records: Records, *, provider: str | None = None, consumer: str | None = None
) -> list[Interaction]:
    """Every stored interaction (of ``provider``/``consumer``), oldest first."""
    found: list[Interaction] = []
    while True:
        page = records.interactions(
            provider=provider, consumer=consumer, limit=PAGE, offset=len(found)
        )
        found.extend(page.items)
        if not page.items or len(found) >= page.total:
            return found
