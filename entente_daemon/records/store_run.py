"""A verification run without a daemon: nobody follows it live, so only `finish` does
anything. It stores the results in the local store, waiting as long as any store writer
would for the lock (a verification has taken a while; its results are worth the wait)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from entente_daemon.model import Fixture, Interaction, Verification, VerificationResult

if TYPE_CHECKING:
    from .store import StoreRecords


class StoreRun:
    def __init__(self, records: StoreRecords) -> None:
        self._records = records

    @property
    def id(self) -> str | None:
        return None  # only a daemon numbers runs

    @property
    def note(self) -> str | None:
        return None  # a store that refuses the results raises instead

    def open(
        self,
        provider: str,
        provider_version: str,
        *,
        total: int,
        environment: str,
        project: str | None = None,
        base_url: str | None = None,
        run_id: str | None = None,
    ) -> None:
        return None

    def step(self, interaction: Interaction, result: VerificationResult) -> None:
        return None

    def finish(
        self, verifications: Sequence[Verification], fixtures: Sequence[Fixture], skipped: int
    ) -> list[Fixture] | None:
        """Store the verifications and the fixtures whose content the store does not hold
        yet for their provider; those fixtures. `StoreError` when the store refuses."""
        from entente_daemon.store import DEFAULT_LOCK_TIMEOUT

        from .store import new_fixtures

        with self._records.writing(lock_timeout=DEFAULT_LOCK_TIMEOUT) as store:
            fresh = new_fixtures(store, fixtures)  # stored fixtures always carry their hash
            for verification in verifications:
                store.verifications.add(verification)
            for fixture in fresh:
                store.fixtures.add(fixture)
        return fresh

    def abandon(self, error: str) -> None:
        return None
