"""`DaemonRecords`: the running daemon's records, through its control API.

The daemon owns the store: every change goes through it, and it tells every listener (the
TUI). Published specs are the exception: the daemon serves none, so they are read from the
local store, read-only (no lock: fine beside the daemon, which holds the writer's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from entente_daemon.client import DaemonClient, DaemonUnavailable
from entente_daemon.client.calls import Call
from entente_daemon.client.errors import DaemonRequestError
from entente_daemon.client.sync import http_client
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
)

from .deploy_store import SpecConflict, SpecUpload
from .port import Source, SpecTarget
from .store import StoreRecords

T = TypeVar("T")

if TYPE_CHECKING:
    from entente_daemon.client.deploy_wire import DeployDecision, DeployQuestion, ReadinessMatrix
    from entente_daemon.client.reporter import BackgroundReporter
    from entente_daemon.client.wire import InteractionPage, PruneResult, StoreStats
    from entente_daemon.fixtures.flags import FlagReport
    from entente_daemon.record.sinks import Sink
    from entente_daemon.records.daemon_run import DaemonRun

#: Interactions asked for per request when reading a provider's all.
PAGE = 1000
#: Rechecking fixtures loads a spec and may take a while.
CHECK_TIMEOUT = httpx.Timeout(120.0, connect=5.0)


class DaemonRecords:
    source: Source = "daemon"

    def __init__(self, client: DaemonClient, *, store_path: Path | str | None = None) -> None:
        self.client = client
        self._specs = StoreRecords(store_path)

    def describe(self) -> str:
        return f"the Entente daemon ({self.client.endpoint.describe()})"

    def close(self) -> None:
        self.client.close()

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
        return self.client.interactions(
            provider=provider,
            consumer=consumer,
            test=test,
            operation=operation,
            kind=kind,
            limit=limit,
            offset=offset,
        )

    def provider_interactions(self, provider: str) -> list[Interaction]:
        found: list[Interaction] = []
        while True:
            page = self.client.interactions(provider=provider, limit=PAGE, offset=len(found))
            found.extend(page.items)
            if not page.items or len(found) >= page.total:
                return found

    def add_interactions(
        self, interactions: Sequence[Interaction], fixtures: Sequence[Fixture] = ()
    ) -> int:
        return self.client.upload_interactions(interactions, fixtures).fixtures

    def delete_interactions(self, ids: Sequence[str]) -> list[str]:
        return self.client.delete_interactions(ids)

    def promote_interactions(self, ids: Sequence[str]) -> list[Interaction]:
        return self.client.promote_interactions(ids)

    def store_stats(self) -> StoreStats:
        return self.client.store_stats()

    def prune_store(self, *, retention_days: float | None, dry_run: bool) -> PruneResult:
        return self.client.prune_store(retention_days=retention_days, dry_run=dry_run)

    def recording_sink(self) -> Sink:
        """Uploads each batch; closing the sink closes this client."""
        from entente_daemon.record.daemon_sink import DaemonSink

        return DaemonSink(self.client, describe_as=self.describe())

    # -- fixtures --------------------------------------------------------------------------

    def fixtures(
        self, provider: str | None = None, status: FixtureStatus | None = None
    ) -> list[Fixture]:
        return self.client.fixtures(provider=provider, status=status)

    def approve(self, fixture_id: str, by: str | None) -> Fixture:
        return self.client.approve(fixture_id, by=by)

    def reject(self, fixture_id: str, note: str | None) -> Fixture:
        return self.client.reject(fixture_id, note=note)

    def set_notes(self, fixture_id: str, notes: str | None) -> Fixture:
        return self.client.set_fixture_notes(fixture_id, notes)

    def check_fixtures(self, provider: str, target: SpecTarget) -> FlagReport:
        """``POST /v1/fixtures/check``, with a longer timeout than other calls: the daemon
        reads the spec itself."""
        from entente_daemon.fixtures.flags import FlagReport

        body: dict[str, Any] = {"provider": provider}
        if target.path is not None:
            body["spec"] = str(target.path.resolve())
        elif target.version is not None:
            body["version"] = target.version
        call = Call("POST", "/v1/fixtures/check", FlagReport.from_json, body=body)
        endpoint = self.client.endpoint
        try:
            with http_client(endpoint, timeout=CHECK_TIMEOUT) as http:
                response = http.request(call.method, call.path, json=call.body)
        except httpx.TransportError as exc:
            raise DaemonUnavailable(
                f"the Entente daemon at {endpoint.describe()} does not answer ({exc!r}); "
                "`entente-daemon status` tells more"
            ) from None
        return call.finish(response)

    # -- verifications, deployments, specs, test events ------------------------------------

    def verifications(self, provider: str | None = None) -> list[Verification]:
        return self.client.verifications(provider=provider)

    def verification_run(self) -> DaemonRun:
        """Reported live to the daemon, which stores the results at the end."""
        from entente_daemon.records.daemon_run import DaemonRun

        return DaemonRun(self.client)

    def deployments(
        self, service: str | None = None, environment: str | None = None
    ) -> list[Deployment]:
        return self.client.deployments(service=service, environment=environment)

    # -- what runs where ------------------------------------------------------------------

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
        except DaemonRequestError as exc:
            if exc.status == 409:
                raise SpecConflict(exc.message) from None
            raise
        return SpecUpload(receipt.spec, receipt.stored)

    def record_deployment(self, deployment: Deployment) -> Deployment:
        return self.client.record_deployment(deployment)

    def undeploy(self, service: str, environment: str, *, by: str | None = None) -> Deployment:
        return self._not_there(lambda: self.client.undeploy(service, environment, by=by))

    def record_release(self, release: Release) -> Release:
        return self.client.record_release(release)

    def end_support(self, service: str, version: str, environment: str) -> Release:
        return self._not_there(lambda: self.client.end_support(service, version, environment))

    def releases(self, service: str | None = None, environment: str | None = None) -> list[Release]:
        return self.client.releases(service=service, environment=environment)

    def can_i_deploy(self, question: DeployQuestion) -> DeployDecision:
        return self.client.can_i_deploy(question)

    def readiness(self, environment: str, compatibility: str = "none") -> ReadinessMatrix:
        return self.client.readiness(environment, compatibility)

    @staticmethod
    def _not_there(job: Callable[[], T]) -> T:
        """A 404 reads as the store's own error (what was not there), as without a daemon."""
        try:
            return job()
        except DaemonRequestError as exc:
            if exc.status == 404:
                raise StoreError(exc.message) from None
            raise

    def latest_spec(self, service: str) -> SpecVersion | None:
        return self._specs.latest_spec(service)

    def spec_version(self, service: str, version: str) -> SpecVersion | None:
        return self._specs.spec_version(service, version)

    def spec_versions(self, service: str) -> list[SpecVersion]:
        return self._specs.spec_versions(service)

    def events_since(self, seq: int = 0, limit: int = 100) -> list[Event]:
        return self.client.events_since(seq, limit).events

    def test_reporter(self) -> BackgroundReporter:
        """Sends from a background thread; closing the reporter closes this client."""
        from entente_daemon.client.reporter import BackgroundReporter

        return BackgroundReporter(self.client)
