"""`BrokerRecords`: the records port over a remote broker (``ENTENTE_SERVICE_URL`` with
``ENTENTE_API_KEY``), for CI, which has no daemon: specs, deployments, can-i-deploy,
fixtures, verification (its interactions read from the broker, its results published
there) and recordings all go to the broker.

What only a workstation's store does (deleting or promoting interactions, the store's
statistics and pruning, rechecking fixtures against a spec file) is refused with a sentence
saying so: those stay with the daemon or the local store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from entente_daemon.client.broker_api import BrokerClient, BrokerError, BrokerRequestError
from entente_daemon.client.wire import InteractionPage
from entente_daemon.errors import StoreError
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
from entente_daemon.record.sinks import Sink

from .deploy_store import SpecConflict, SpecUpload
from .errors import FixtureIdError
from .port import Source, SpecTarget
from .store import current_user

if TYPE_CHECKING:
    from entente_daemon.client.deploy_wire import DeployDecision, DeployQuestion, ReadinessMatrix
    from entente_daemon.client.reporter import BackgroundReporter
    from entente_daemon.client.wire import PruneResult, StoreStats
    from entente_daemon.fixtures.flags import FlagReport

#: Interactions per upload request (the broker's default limit is 1000).
UPLOAD_BATCH = 500


class BrokerRecords:
    source: Source = "broker"

    def __init__(self, client: BrokerClient) -> None:
        self.client = client

    def describe(self) -> str:
        return f"the Entente broker at {self.client.url}"

    def close(self) -> None:
        self.client.close()

    def _not_here(self, what: str) -> NoReturn:
        raise BrokerError(
            f"{what} is not done on {self.describe()}: unset ENTENTE_SERVICE_URL to do it "
            "in the local store (or through the daemon)"
        )

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
        contract = None if kind is None else kind == "contract"
        found = [
            i
            for i in self.client.all_interactions(
                provider=provider, consumer=consumer, operation_id=operation, contract=contract
            )
            if test is None or i.test_id == test
        ]
        start = max(len(found) - limit, 0) if offset is None else offset
        return InteractionPage(
            items=found[start : start + limit], total=len(found), offset=start, limit=limit
        )

    def provider_interactions(self, provider: str) -> list[Interaction]:
        return list(self.client.all_interactions(provider=provider))

    def add_interactions(
        self, interactions: Sequence[Interaction], fixtures: Sequence[Fixture] = ()
    ) -> int:
        hashed = [i if i.content_hash else i.with_hash() for i in interactions]
        for start in range(0, len(hashed), UPLOAD_BATCH):
            self.client.upload_interactions(hashed[start : start + UPLOAD_BATCH])
        return len(self.client.propose_fixtures(fixtures)) if fixtures else 0

    def delete_interactions(self, ids: Sequence[str]) -> list[str]:
        self._not_here("deleting interactions")

    def promote_interactions(self, ids: Sequence[str]) -> list[Interaction]:
        self._not_here("promoting interactions")

    def recording_sink(self) -> Sink:
        return BrokerSink(self)

    def store_stats(self) -> StoreStats:
        self._not_here("store statistics")

    def prune_store(self, *, retention_days: float | None, dry_run: bool) -> PruneResult:
        self._not_here("pruning (the broker prunes itself: `entente broker serve --keep-days`)")

    # -- fixtures --------------------------------------------------------------------------

    def fixtures(
        self, provider: str | None = None, status: FixtureStatus | None = None
    ) -> list[Fixture]:
        return self.client.fixtures(provider, status)

    def _decided(
        self, call: str, fixture_id: str, *, by: str | None = None, note: str | None = None
    ) -> Fixture:
        """A decision, made now by ``by`` (else this user): the later one wins."""
        who = by or current_user()
        try:
            if call == "approve":
                return self.client.approve(fixture_id, by=who)
            return self.client.reject(fixture_id, by=who, note=note)
        except BrokerRequestError as error:
            if error.status == 404:
                raise FixtureIdError(f"no fixture {fixture_id!r} on {self.describe()}") from None
            raise

    def approve(self, fixture_id: str, by: str | None) -> Fixture:
        return self._decided("approve", fixture_id, by=by)

    def reject(self, fixture_id: str, note: str | None) -> Fixture:
        return self._decided("reject", fixture_id, note=note)

    def set_notes(self, fixture_id: str, notes: str | None) -> Fixture:
        return self.client.set_notes(fixture_id, notes)

    def check_fixtures(self, provider: str, target: SpecTarget) -> FlagReport:
        self._not_here("rechecking fixtures")

    # -- verifications, deployments, specs -------------------------------------------------

    def verifications(self, provider: str | None = None) -> list[Verification]:
        return self.client.verifications(provider=provider)

    def verification_run(self) -> BrokerRun:
        return BrokerRun(self)

    def deployments(
        self, service: str | None = None, environment: str | None = None
    ) -> list[Deployment]:
        return self.client.deployments(service, environment)

    def environments(self) -> list[Environment]:
        return self.client.environments()

    def create_environment(self, name: str, *, production: bool = False) -> Environment:
        return self.client.create_environment(name, production=production)

    def register_version(self, version: ServiceVersion) -> ServiceVersion:
        return self.client.register_version(version)

    def service_versions(self, service: str | None = None) -> list[ServiceVersion]:
        return self.client.service_versions(service)

    def upload_spec(self, spec: SpecVersion, *, force: bool = False) -> SpecUpload:
        try:
            receipt = self.client.upload_spec(spec, force=force)
        except BrokerRequestError as error:
            if error.status == 409:
                raise SpecConflict(str(error)) from None
            raise
        return SpecUpload(receipt.spec, stored=receipt.stored)

    def record_deployment(self, deployment: Deployment) -> Deployment:
        return self.client.record_deployment(deployment)

    def undeploy(self, service: str, environment: str, *, by: str | None = None) -> Deployment:
        try:
            return self.client.undeploy(service, environment, by=by)
        except BrokerRequestError as error:
            if error.status == 404:
                raise StoreError(f"{service} is not deployed to {environment}") from None
            raise

    def record_release(self, release: Release) -> Release:
        return self.client.record_release(release)

    def end_support(self, service: str, version: str, environment: str) -> Release:
        try:
            return self.client.end_support(service, version, environment)
        except BrokerRequestError as error:
            if error.status == 404:
                raise StoreError(
                    f"{service} {version} was never released to {environment}"
                ) from None
            raise

    def releases(self, service: str | None = None, environment: str | None = None) -> list[Release]:
        return self.client.releases(service, environment)

    def can_i_deploy(self, question: DeployQuestion) -> DeployDecision:
        return self.client.can_i_deploy(question)

    def readiness(self, environment: str, compatibility: str = "none") -> ReadinessMatrix:
        return self.client.matrix(environment, compatibility)

    def latest_spec(self, service: str) -> SpecVersion | None:
        return self.client.latest_spec(service)

    def spec_version(self, service: str, version: str) -> SpecVersion | None:
        found = self.client.spec_versions(service, version)
        return found[-1] if found else None

    def spec_versions(self, service: str) -> list[SpecVersion]:
        return self.client.spec_versions(service)

    def events_since(self, seq: int = 0, limit: int = 100) -> list[Event]:
        """None: the broker's feed is its own (`BrokerClient.events`), not the store's."""
        return []

    def test_reporter(self) -> BackgroundReporter | None:
        return None  # test runs are only followed live, by a daemon


class BrokerSink(Sink):
    """Uploads each batch to the broker (idempotent there, so a retried batch is fine)."""

    write_slice = UPLOAD_BATCH

    def __init__(self, records: BrokerRecords) -> None:
        self._records = records

    def write(self, interactions: Sequence[Interaction]) -> None:
        self._records.add_interactions(interactions)

    def close(self) -> None:
        self._records.close()

    def describe(self) -> str:
        return self._records.describe()


class BrokerRun:
    """A verification run reported to the broker: nobody follows it live, so only
    `finish` does anything; it publishes the results and proposes the draft fixtures."""

    def __init__(self, records: BrokerRecords) -> None:
        self._records = records

    @property
    def id(self) -> str | None:
        return None

    @property
    def note(self) -> str | None:
        return None

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
        client = self._records.client
        client.publish_verifications(verifications)
        created = set(client.propose_fixtures(fixtures)) if fixtures else set()
        return [f for f in fixtures if f.id in created]

    def abandon(self, error: str) -> None:
        return None
