"""The blocking client (the CLI's): one method per control API endpoint."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from entente_daemon.client.events import BreakingChange
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

from . import calls, deploy_calls
from .deploy_wire import DeployDecision, DeployQuestion, ReadinessMatrix, SpecUploadReceipt
from .endpoint import Endpoint, check_version, find_endpoint, require_endpoint
from .errors import DaemonError, DaemonUnavailable
from .unix_transport import unix_transport
from .wire import (
    BrokerStatus,
    DaemonStatus,
    EventPage,
    FixtureDetail,
    Health,
    InteractionPage,
    MockInfo,
    ProjectInfo,
    ProviderChoice,
    PruneResult,
    StoreStats,
    UploadReceipt,
    VerificationFinish,
    VerificationLaunch,
    VerificationRun,
    VerificationStep,
)

T = TypeVar("T")
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def http_client(
    endpoint: Endpoint, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT
) -> httpx.Client:
    transport = unix_transport(str(endpoint.socket)) if endpoint.socket else None
    return httpx.Client(
        base_url=endpoint.base_url,
        transport=transport,
        headers=endpoint.headers,
        timeout=timeout,
        trust_env=False,  # never through an HTTP(S)_PROXY: the daemon is local
    )


class DaemonClient:
    """Talks to the running daemon. ``DaemonClient.discover()`` finds it."""

    def __init__(
        self, endpoint: Endpoint, *, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT
    ) -> None:
        self.endpoint = endpoint
        self._http = http_client(endpoint, timeout)

    @classmethod
    def discover(cls, home: Path | None = None, *, prefer_tcp: bool = False) -> DaemonClient | None:
        """A client of the daemon running for ``home`` (default: the Entente home), or None
        when none runs. `DaemonVersionMismatch` when it is another version than this one."""
        endpoint = find_endpoint(home, prefer_tcp=prefer_tcp)
        return None if endpoint is None else cls(endpoint)

    @classmethod
    def connect(cls, home: Path | None = None, *, prefer_tcp: bool = False) -> DaemonClient:
        """Like `discover`, but `DaemonNotRunning` (saying how to start one) instead of None."""
        return cls(require_endpoint(home, prefer_tcp=prefer_tcp))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DaemonClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, call: calls.Call[T]) -> T:
        try:
            response = self._http.request(
                call.method, call.path, params=call.params or None, json=call.body
            )
        except httpx.TransportError as exc:
            raise DaemonUnavailable(
                f"the Entente daemon at {self.endpoint.describe()} does not answer ({exc!r}); "
                "`entente-daemon status` tells more"
            ) from None
        return call.finish(response)

    def health(self) -> Health:
        return self._run(calls.health())

    def status(self) -> DaemonStatus:
        result = self._run(calls.status())
        check_version(result.version, result.pid)
        return result

    def interactions(
        self,
        *,
        provider: str | None = None,
        consumer: str | None = None,
        test: str | None = None,
        operation: str | None = None,
        run: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        text: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> InteractionPage:
        """A page of interactions, newest last; without ``offset``, the newest ``limit``."""
        return self._run(
            calls.interactions(
                provider=provider,
                consumer=consumer,
                test=test,
                operation=operation,
                run=run,
                status=status,
                kind=kind,
                text=text,
                limit=limit,
                offset=offset,
            )
        )

    def test_runs(self) -> list[dict[str, Any]]:
        """The test runs the daemon remembers, newest first (see `calls.test_runs`)."""
        return self._run(calls.test_runs())

    def interaction(self, interaction_id: str) -> Interaction | None:
        return self._run(calls.interaction(interaction_id))

    def upload_interactions(
        self, interactions: Iterable[Interaction], fixtures: Iterable[Fixture] = ()
    ) -> UploadReceipt:
        return self._run(calls.upload_interactions(interactions, fixtures))

    def fixtures(
        self, *, provider: str | None = None, status: FixtureStatus | str | None = None
    ) -> list[Fixture]:
        return self._run(calls.fixtures(provider=provider, status=status))

    def approve(self, fixture_id: str, *, by: str | None = None) -> Fixture:
        return self._run(calls.approve(fixture_id, by=by))

    def reject(self, fixture_id: str, note: str | None = None) -> Fixture:
        return self._run(calls.reject(fixture_id, note))

    def set_fixture_notes(self, fixture_id: str, notes: str | None) -> Fixture:
        """Replace a fixture's notes (None clears them)."""
        return self._run(calls.set_fixture_notes(fixture_id, notes))

    def fixture_detail(self, fixture_id: str) -> FixtureDetail | None:
        """A fixture with its operation's schemas and problems (None: no such fixture)."""
        return self._run(calls.fixture_detail(fixture_id))

    def verifications(
        self, *, provider: str | None = None, limit: int | None = None
    ) -> list[Verification]:
        return self._run(calls.verifications(provider=provider, limit=limit))

    def deployments(
        self, *, service: str | None = None, environment: str | None = None
    ) -> list[Deployment]:
        return self._run(calls.deployments(service=service, environment=environment))

    # -- what runs where -----------------------------------------------------------------

    def environments(self) -> list[Environment]:
        return self._run(deploy_calls.environments())

    def create_environment(self, name: str, *, production: bool = False) -> Environment:
        return self._run(deploy_calls.create_environment(name, production=production))

    def service_versions(self, service: str | None = None) -> list[ServiceVersion]:
        return self._run(deploy_calls.service_versions(service))

    def register_version(self, version: ServiceVersion) -> ServiceVersion:
        return self._run(deploy_calls.register_version(version))

    def upload_spec(self, spec: SpecVersion, *, force: bool = False) -> SpecUploadReceipt:
        return self._run(deploy_calls.upload_spec(spec, force=force))

    def record_deployment(self, deployment: Deployment) -> Deployment:
        return self._run(deploy_calls.record_deployment(deployment))

    def undeploy(self, service: str, environment: str, *, by: str | None = None) -> Deployment:
        return self._run(deploy_calls.undeploy(service, environment, by=by))

    def releases(
        self, *, service: str | None = None, environment: str | None = None
    ) -> list[Release]:
        return self._run(deploy_calls.releases(service=service, environment=environment))

    def record_release(self, release: Release) -> Release:
        return self._run(deploy_calls.record_release(release))

    def end_support(self, service: str, version: str, environment: str) -> Release:
        return self._run(deploy_calls.end_support(service, version, environment))

    def can_i_deploy(self, question: DeployQuestion) -> DeployDecision:
        return self._run(deploy_calls.can_i_deploy(question))

    def readiness(self, environment: str, compatibility: str = "none") -> ReadinessMatrix:
        return self._run(deploy_calls.readiness(environment, compatibility))

    def alerts(self) -> list[Event]:
        return self._run(calls.alerts())

    def breaking_changes(self, provider: str | None = None) -> list[BreakingChange]:
        return self._run(calls.breaking_changes(provider))

    def mocks(self) -> list[MockInfo]:
        return self._run(calls.mocks())

    def attach_project(self, path: Path | str, *, auto: bool = False) -> ProjectInfo:
        return self._run(calls.attach_project(path, auto=auto))

    def detach_project(self, path: Path | str) -> ProjectInfo:
        return self._run(calls.detach_project(path))

    def delete_interactions(self, ids: Iterable[str]) -> list[str]:
        """Delete interactions by id; the ids of those that were there."""
        return self._run(calls.delete_interactions(ids))

    def promote_interactions(self, ids: Iterable[str]) -> list[Interaction]:
        """Make interactions part of their consumer's contract; those found."""
        return self._run(calls.promote_interactions(ids))

    def sync_state(self) -> BrokerStatus:
        return self._run(calls.sync_state())

    def sync_now(self) -> BrokerStatus:
        return self._run(calls.sync_now())

    def store_stats(self) -> StoreStats:
        return self._run(calls.store_stats())

    def prune_store(self, *, retention_days: float | None, dry_run: bool) -> PruneResult:
        return self._run(calls.prune_store(retention_days=retention_days, dry_run=dry_run))

    def projects(self) -> list[ProjectInfo]:
        return self._run(calls.projects())

    def events_since(self, seq: int = 0, limit: int = 100) -> EventPage:
        return self._run(calls.events_since(seq, limit))

    def report_test_event(
        self,
        kind: str,
        run_id: str,
        project: str,
        *,
        test_id: str | None = None,
        outcome: str | None = None,
        duration_s: float | None = None,
        counts: dict[str, int] | None = None,
    ) -> int:
        """Report a test run's event; the published event's sequence number."""
        return self._run(
            calls.report_test_event(
                kind,
                run_id,
                project,
                test_id=test_id,
                outcome=outcome,
                duration_s=duration_s,
                counts=counts,
            )
        )

    # -- verification runs ----------------------------------------------------------------

    def open_verification_run(
        self,
        provider: str,
        provider_version: str,
        *,
        total: int,
        environment: str = "local",
        project: str | None = None,
        base_url: str | None = None,
        run_id: str | None = None,
    ) -> VerificationRun:
        """Open a run (``verification.started``); ``run_id`` for a run the daemon started."""
        return self._run(
            calls.open_verification_run(
                provider,
                provider_version,
                total=total,
                environment=environment,
                project=project,
                base_url=base_url,
                run_id=run_id,
            )
        )

    def report_verification_progress(
        self,
        run_id: str,
        *,
        done: int,
        passed: int,
        failed: int,
        last: VerificationStep | None = None,
    ) -> int:
        """Report a run's progress (``verification.progress``); the event's sequence."""
        return self._run(
            calls.report_verification_progress(
                run_id, done=done, passed=passed, failed=failed, last=last
            )
        )

    def finish_verification_run(
        self,
        run_id: str,
        verifications: Iterable[Verification],
        fixtures: Iterable[Fixture] = (),
        *,
        skipped: int = 0,
    ) -> VerificationFinish:
        """Store a run's results (``verification.finished``); what the daemon stored."""
        return self._run(
            calls.finish_verification_run(run_id, verifications, fixtures, skipped=skipped)
        )

    def abandon_verification_run(self, run_id: str, error: str) -> VerificationFinish:
        """End a run that could not complete, with the reason; nothing is stored."""
        return self._run(calls.abandon_verification_run(run_id, error))

    def verification_runs(self) -> list[VerificationRun]:
        """The recent runs, newest first (without their failures)."""
        return self._run(calls.verification_runs())

    def verification_run(self, run_id: str) -> VerificationRun | None:
        """One run with its failures; None when the daemon does not know it."""
        return self._run(calls.verification_run(run_id))

    def start_verification(
        self,
        project: Path | str,
        base_url: str | None = None,
        *,
        state_handlers: str | None = None,
        on_missing: str | None = None,
        only_new: bool = False,
        environment: str | None = None,
    ) -> VerificationLaunch:
        """Have the daemon run ``entente verify`` for a provider project, in the
        background; it reports like any run (watch the ``verification.*`` events)."""
        return self._run(
            calls.start_verification(
                project,
                base_url,
                state_handlers=state_handlers,
                on_missing=on_missing,
                only_new=only_new,
                environment=environment,
            )
        )

    def provider_choices(self, project: Path | str | None = None) -> list[ProviderChoice]:
        """The provider projects a verification could be started for, best first, with
        their ``[provider]`` settings; ``project``: the asker's project's config file."""
        return self._run(calls.provider_choices(project))


def daemon_running(home: Path | None = None) -> bool:
    """Whether a daemon runs for ``home`` and answers: runtime file, live process (its lock
    held), and an answer on its socket. Any version counts as running."""
    endpoint = find_endpoint(home, check=False)
    if endpoint is None:
        return False
    client = DaemonClient(endpoint, timeout=httpx.Timeout(5.0, connect=2.0))
    try:
        return client.health().ok
    except DaemonError:
        return False
    finally:
        client.close()
