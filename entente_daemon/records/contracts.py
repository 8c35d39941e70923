"""What a provider is verified against: each consumer version's contract, as its latest
test run recorded it.

Pure, so that every reader of contracts (the verifier now, can-i-deploy later) applies the
same rule:

* only contract interactions count (`Interaction.contract`: a test made it, or a person
  promoted it); exploratory ones are never verified;
* per consumer version, only the **latest run** counts: re-running the consumer's tests
  replaces what that version expects, so an interaction no test makes any more drops out.
  The latest run is the run of the interaction seen last (``last_seen``, else
  ``timestamp``). Interactions recorded without a run id count as one run among the rest
  (they cannot be told apart);
* promoted interactions always count: a person chose them, no test run replaces them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar

#: (consumer, consumer version)
VersionKey = tuple[str, str]


class Recorded(Protocol):
    """What the rule reads of an interaction (an `Interaction`, or a lighter row of it)."""

    @property
    def consumer(self) -> str: ...
    @property
    def consumer_version(self) -> str: ...
    @property
    def test_id(self) -> str | None: ...
    @property
    def run_id(self) -> str | None: ...
    @property
    def promoted(self) -> bool: ...
    @property
    def contract(self) -> bool: ...
    @property
    def timestamp(self) -> datetime: ...
    @property
    def last_seen(self) -> datetime | None: ...


R = TypeVar("R", bound=Recorded)


def seen_at(interaction: Recorded) -> datetime:
    """When an interaction was last made."""
    return interaction.last_seen or interaction.timestamp


def latest_runs(interactions: Iterable[Recorded]) -> dict[VersionKey, str | None]:
    """Each consumer version's latest test run (None: recorded without a run id), from the
    interactions a test made."""
    newest: dict[VersionKey, Recorded] = {}
    for interaction in interactions:
        if not interaction.test_id:
            continue
        key = (interaction.consumer, interaction.consumer_version)
        current = newest.get(key)
        if current is None or seen_at(interaction) > seen_at(current):
            newest[key] = interaction
    return {key: interaction.run_id for key, interaction in newest.items()}


def contract_interactions(interactions: Iterable[R]) -> list[R]:
    """The interactions to verify, in the order given (see the module's docstring)."""
    candidates = [i for i in interactions if i.contract]
    runs = latest_runs(candidates)
    return [
        i
        for i in candidates
        if i.promoted
        or (i.consumer, i.consumer_version) in runs
        and runs[(i.consumer, i.consumer_version)] == i.run_id
    ]
