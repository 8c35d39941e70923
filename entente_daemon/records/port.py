"""The records port: what the CLI, the verifier, the consumer library, the recorder and the
pytest plugin read and write, whoever keeps the records.

Two implementations: `DaemonRecords` (the running daemon owns the store and tells every
listener) and `StoreRecords` (no daemon: the local store, opened read-only to read and as
the writer, briefly, to change it). `open_records` picks one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from entente_daemon.model import (
    Deployment,
    Environment,
    Event,
    Fixture,
    FixtureStatus,
    Interaction,
    Release,
    ServiceVersion,
    SpecVersion,
    Verification,
    VerificationResult,
)

if TYPE_CHECKING:
    from entente_daemon.client.deploy_wire import DeployDecision, DeployQuestion, ReadinessMatrix
    from entente_daemon.client.reporter import BackgroundReporter
    from entente_daemon.client.wire import InteractionPage, PruneResult, StoreStats
    from entente_daemon.fixtures.flags import FlagReport
    from entente_daemon.record.sinks import Sink
    from entente_daemon.records.deploy_store import SpecUpload

Source = Literal["daemon", "store", "broker"]


@dataclass(frozen=True)
class SpecTarget:
    """The spec to check fixtures against: a file, else the version published to the local
    store (``version`` None: the newest)."""

    path: Path | None = None
    version: str | None = None


class VerificationRunReport(Protocol):
    """One verification run's reports: `open`, `step` per interaction, then `finish` (or
    `abandon`). ``note`` says why the results were not stored (None: they were)."""

    @property
    def id(self) -> str | None: ...

    @property
    def note(self) -> str | None: ...

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
    ) -> None: ...

    def step(self, interaction: Interaction, result: VerificationResult) -> None: ...

    def finish(
        self, verifications: Sequence[Verification], fixtures: Sequence[Fixture], skipped: int
    ) -> list[Fixture] | None:
        """Store the verifications and those candidate draft fixtures not stored yet; the
        fixtures created (None: nothing was stored)."""
        ...

    def abandon(self, error: str) -> None: ...


class Records(Protocol):
    """Entente's records, wherever they are kept. ``source`` and `describe` say where."""

    @property
    def source(self) -> Source: ...

    def describe(self) -> str:
        """Where the records are, for people: ``the Entente daemon (...)``, ``the store at ...``."""
        ...

    def close(self) -> None: ...

    # -- interactions ----------------------------------------------------------------------

    def interactions(
        self,
        *,
        provider: str | None = None,
        consumer: str | None = None,
        test: str | None = None,
        operation: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int | None = None,
    ) -> InteractionPage:
        """A page of matching interactions, newest last; without ``offset``, the newest.
        ``kind``: ``contract`` or ``exploratory`` (None: both)."""
        ...

    def provider_interactions(self, provider: str) -> list[Interaction]:
        """Every interaction recorded against ``provider``."""
        ...

    def add_interactions(
        self, interactions: Sequence[Interaction], fixtures: Sequence[Fixture] = ()
    ) -> int:
        """Store interactions (de-duplicated) and the fixtures not stored yet; how many
        fixtures were new."""
        ...

    def delete_interactions(self, ids: Sequence[str]) -> list[str]:
        """Delete interactions (appending ``interactions.deleted``); the ids that were there."""
        ...

    def promote_interactions(self, ids: Sequence[str]) -> list[Interaction]:
        """Make interactions part of their consumer's contract (appending
        ``interactions.promoted``); those found."""
        ...

    def recording_sink(self) -> Sink:
        """Where a recorder's batches go; the sink owns these records from then on."""
        ...

    # -- the store itself ------------------------------------------------------------------

    def store_stats(self) -> StoreStats:
        """What the store holds: records per table and provider, bytes, sampled counts."""
        ...

    def prune_store(self, *, retention_days: float | None, dry_run: bool) -> PruneResult:
        """Remove what no longer belongs to a contract (`records.pruning`), appending
        ``interactions.deleted``; ``dry_run``: only say what."""
        ...

    # -- fixtures and decisions (each change appends its ``fixture.*`` event) ---------------

    def fixtures(
        self, provider: str | None = None, status: FixtureStatus | None = None
    ) -> list[Fixture]:
        """Every fixture matching, oldest first."""
        ...

    def approve(self, fixture_id: str, by: str | None) -> Fixture: ...

    def reject(self, fixture_id: str, note: str | None) -> Fixture: ...

    def set_notes(self, fixture_id: str, notes: str | None) -> Fixture: ...

    def check_fixtures(self, provider: str, target: SpecTarget) -> FlagReport:
        """Recheck ``provider``'s approved fixtures against the spec; store and announce what
        changed (see `entente_daemon.fixtures.flags`)."""
        ...

    # -- verifications, deployments, specs, test events ------------------------------------

    def verifications(self, provider: str | None = None) -> list[Verification]: ...

    def verification_run(self) -> VerificationRunReport:
        """Reports for one verification run; its ``finish`` stores the results."""
        ...

    def deployments(
        self, service: str | None = None, environment: str | None = None
    ) -> list[Deployment]: ...

    # -- what runs where (see `entente_daemon.deploy`) ----------------------------------

    def environments(self) -> list[Environment]: ...

    def create_environment(self, name: str, *, production: bool = False) -> Environment: ...

    def register_version(self, version: ServiceVersion) -> ServiceVersion: ...

    def service_versions(self, service: str | None = None) -> list[ServiceVersion]: ...

    def upload_spec(self, spec: SpecVersion, *, force: bool = False) -> SpecUpload:
        """Store a spec version (the same content again: a no-op; another content for a
        stored version: `SpecConflict` unless ``force``)."""
        ...

    def record_deployment(self, deployment: Deployment) -> Deployment: ...

    def undeploy(self, service: str, environment: str, *, by: str | None = None) -> Deployment:
        """Record that ``service`` left ``environment`` (StoreError when it was not there)."""
        ...

    def record_release(self, release: Release) -> Release: ...

    def end_support(self, service: str, version: str, environment: str) -> Release: ...

    def releases(
        self, service: str | None = None, environment: str | None = None
    ) -> list[Release]: ...

    def can_i_deploy(self, question: DeployQuestion) -> DeployDecision: ...

    def readiness(self, environment: str, compatibility: str = "none") -> ReadinessMatrix: ...

    def latest_spec(self, service: str) -> SpecVersion | None: ...

    def spec_version(self, service: str, version: str) -> SpecVersion | None: ...

    def spec_versions(self, service: str) -> list[SpecVersion]:
        """The published versions of ``service``'s spec, oldest first."""
        ...

    def events_since(self, seq: int = 0, limit: int = 100) -> list[Event]:
        """The events after ``seq``, oldest first (the decisions: ``fixture.*``)."""
        ...

    def test_reporter(self) -> BackgroundReporter | None:
        """Where a test session's events go (in the background), None when they go nowhere:
        test runs are only followed live, so without a daemon they are not kept."""
        ...
