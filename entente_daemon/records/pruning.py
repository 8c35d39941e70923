"""What `entente store prune` removes: what no longer belongs to a contract.

Pure, over the contract rules of `contracts`:

* **older runs**: an interaction a test made, not promoted, of a consumer version whose
  latest run is another one (re-running the tests replaced what that version expects; the
  verifier already leaves these out);
* **expired exploratory traffic**: an exploratory interaction (no test made it, nobody
  promoted it) last seen longer ago than the retention age.

Promoted interactions and each consumer version's latest run are never pruned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from entente_daemon.model import Interaction

from .contracts import latest_runs, seen_at


@dataclass
class PrunePlan:
    """The ids to remove, by reason."""

    older_runs: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [*self.older_runs, *self.expired]

    @property
    def total(self) -> int:
        return len(self.older_runs) + len(self.expired)


def prune_plan(
    interactions: Iterable[Interaction], *, now: datetime, retention: timedelta
) -> PrunePlan:
    """Which of ``interactions`` to remove (see the module's docstring)."""
    every = list(interactions)
    runs = latest_runs(i for i in every if i.contract)
    cutoff = now - retention
    plan = PrunePlan()
    for interaction in every:
        if interaction.promoted:
            continue
        if interaction.test_id:
            key = (interaction.consumer, interaction.consumer_version)
            if key in runs and runs[key] != interaction.run_id:
                plan.older_runs.append(interaction.id)
        elif seen_at(interaction) < cutoff:
            plan.expired.append(interaction.id)
    return plan
