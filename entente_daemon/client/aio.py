"""The asyncio client (the TUI's): the same calls as `DaemonClient`, and the live event
stream, which survives daemon restarts by reconnecting and resuming from the last event id."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass
from enum import StrEnum
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
from .errors import DaemonError, DaemonRequestError, DaemonUnavailable
from .sse import SseParser
from .wire import (
    API_PREFIX,
    SSE_OVERFLOW,
    SSE_READY,
    BrokerStatus,
    DaemonStatus,
    EventPage,
    FixtureDetail,
    Health,
    InteractionPage,
    MockInfo,
    ProjectInfo,
    ProviderChoice,
    UploadReceipt,
    VerificationFinish,
    VerificationLaunch,
    VerificationRun,
    VerificationStep,
    event_from_wire,
)

T = TypeVar("T")
log = logging.getLogger("entente.client")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# The daemon sends a heartbeat every ~15 s: three missed ones mean the link is dead.
STREAM_READ_TIMEOUT = 45.0


class StreamState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"  # connected; events arrive as they happen
    FELL_BEHIND = "fell_behind"  # the daemon dropped us for reading too slowly; resuming
    RECONNECTING = "reconnecting"  # the daemon is down or the link broke; retrying


@dataclass(frozen=True)
class StreamStatus:
    """A change of the stream's state, for a "daemon down, reconnecting" indicator."""

    state: StreamState
    detail: str | None = None
    retry_in: float | None = None  # seconds until the next attempt (RECONNECTING)
    last_seq: int | None = None


StateCallback = Callable[[StreamStatus], None]


@dataclass(frozen=True)
class Backoff:
    initial: float = 0.2
    maximum: float = 5.0
    factor: float = 2.0

    def delays(self) -> Iterable[float]:
        delay = self.initial
        while True:
            yield delay
            delay = min(delay * self.factor, self.maximum)


def async_http_client(
    endpoint: Endpoint, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT
) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(uds=str(endpoint.socket)) if endpoint.socket else None
    return httpx.AsyncClient(
        base_url=endpoint.base_url,
        transport=transport,
        headers=endpoint.headers,
        timeout=timeout,
        trust_env=False,
    )


class AsyncDaemonClient:
    """Talks to the running daemon from asyncio code. ``AsyncDaemonClient.discover()``."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        home: Path | None = None,
        rediscover: bool = False,
    ) -> None:
        self.endpoint = endpoint
        self._timeout = timeout
        self._home = home
        self._rediscover = rediscover  # re-read the runtime file when reconnecting
        self._http = async_http_client(endpoint, timeout)

    @classmethod
    def discover(cls, home: Path | None = None) -> AsyncDaemonClient | None:
        """A client of the running daemon or None; `DaemonVersionMismatch` when it is
        another version. Its event stream follows the daemon across restarts."""
        endpoint = find_endpoint(home)
        return None if endpoint is None else cls(endpoint, home=home, rediscover=True)

    @classmethod
    def connect(cls, home: Path | None = None) -> AsyncDaemonClient:
        return cls(require_endpoint(home), home=home, rediscover=True)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncDaemonClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self, call: calls.Call[T]) -> T:
        try:
            response = await self._http.request(
                call.method, call.path, params=call.params or None, json=call.body
            )
        except httpx.TransportError as exc:
            raise DaemonUnavailable(
                f"the Entente daemon at {self.endpoint.describe()} does not answer ({exc!r})"
            ) from None
        return call.finish(response)

    async def health(self) -> Health:
        return await self._run(calls.health())

    async def status(self) -> DaemonStatus:
        result = await self._run(calls.status())
        check_version(result.version, result.pid)
        return result

    async def interactions(
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
        return await self._run(
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

    async def test_runs(self) -> list[dict[str, Any]]:
        """The test runs the daemon remembers, newest first (see `calls.test_runs`)."""
        return await self._run(calls.test_runs())

    async def interaction(self, interaction_id: str) -> Interaction | None:
        return await self._run(calls.interaction(interaction_id))

    async def upload_interactions(
        self, interactions: Iterable[Interaction], fixtures: Iterable[Fixture] = ()
    ) -> UploadReceipt:
        return await self._run(calls.upload_interactions(interactions, fixtures))

    async def fixtures(
        self, *, provider: str | None = None, status: FixtureStatus | str | None = None
    ) -> list[Fixture]:
        return await self._run(calls.fixtures(provider=provider, status=status))

    async def approve(self, fixture_id: str, *, by: str | None = None) -> Fixture:
        return await self._run(calls.approve(fixture_id, by=by))

    async def reject(self, fixture_id: str, note: str | None = None) -> Fixture:
        return await self._run(calls.reject(fixture_id, note))

    async def set_fixture_notes(self, fixture_id: str, notes: str | None) -> Fixture:
        """Replace a fixture's notes (None clears them)."""
        return await self._run(calls.set_fixture_notes(fixture_id, notes))

    async def fixture_detail(self, fixture_id: str) -> FixtureDetail | None:
        """A fixture with its operation's schemas and problems (None: no such fixture)."""
        return await self._run(calls.fixture_detail(fixture_id))

    async def verifications(
        self, *, provider: str | None = None, limit: int | None = None
    ) -> list[Verification]:
        return await self._run(calls.verifications(provider=provider, limit=limit))

    async def deployments(
        self, *, service: str | None = None, environment: str | None = None
    ) -> list[Deployment]:
        return await self._run(calls.deployments(service=service, environment=environment))

    # -- what runs where -----------------------------------------------------------------

    async def sync_state(self) -> BrokerStatus:
        return await self._run(calls.sync_state())

    async def sync_now(self) -> BrokerStatus:
        return await self._run(calls.sync_now())

    async def environments(self) -> list[Environment]:
        return await self._run(deploy_calls.environments())

    async def create_environment(self, name: str, *, production: bool = False) -> Environment:
        return await self._run(deploy_calls.create_environment(name, production=production))

    async def service_versions(self, service: str | None = None) -> list[ServiceVersion]:
        return await self._run(deploy_calls.service_versions(service))

    async def register_version(self, version: ServiceVersion) -> ServiceVersion:
        return await self._run(deploy_calls.register_version(version))

    async def upload_spec(self, spec: SpecVersion, *, force: bool = False) -> SpecUploadReceipt:
        return await self._run(deploy_calls.upload_spec(spec, force=force))

    async def record_deployment(self, deployment: Deployment) -> Deployment:
        return await self._run(deploy_calls.record_deployment(deployment))

    async def undeploy(
        self, service: str, environment: str, *, by: str | None = None
    ) -> Deployment:
        return await self._run(deploy_calls.undeploy(service, environment, by=by))

    async def releases(
        self, *, service: str | None = None, environment: str | None = None
    ) -> list[Release]:
        return await self._run(deploy_calls.releases(service=service, environment=environment))

    async def record_release(self, release: Release) -> Release:
        return await self._run(deploy_calls.record_release(release))

    async def end_support(self, service: str, version: str, environment: str) -> Release:
        return await self._run(deploy_calls.end_support(service, version, environment))

    async def can_i_deploy(self, question: DeployQuestion) -> DeployDecision:
        return await self._run(deploy_calls.can_i_deploy(question))

    async def readiness(self, environment: str, compatibility: str = "none") -> ReadinessMatrix:
        return await self._run(deploy_calls.readiness(environment, compatibility))

    async def alerts(self) -> list[Event]:
        return await self._run(calls.alerts())

    async def breaking_changes(self, provider: str | None = None) -> list[BreakingChange]:
        return await self._run(calls.breaking_changes(provider))

    async def mocks(self) -> list[MockInfo]:
        return await self._run(calls.mocks())

    async def attach_project(self, path: Path | str, *, auto: bool = False) -> ProjectInfo:
        return await self._run(calls.attach_project(path, auto=auto))

    async def detach_project(self, path: Path | str) -> ProjectInfo:
        return await self._run(calls.detach_project(path))

    async def delete_interactions(self, ids: Iterable[str]) -> list[str]:
        """Delete interactions by id; the ids of those that were there."""
        return await self._run(calls.delete_interactions(ids))

    async def promote_interactions(self, ids: Iterable[str]) -> list[Interaction]:
        """Make interactions part of their consumer's contract; those found."""
        return await self._run(calls.promote_interactions(ids))

    async def projects(self) -> list[ProjectInfo]:
        return await self._run(calls.projects())

    async def events_since(self, seq: int = 0, limit: int = 100) -> EventPage:
        return await self._run(calls.events_since(seq, limit))

    async def report_test_event(
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
        return await self._run(
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

    async def open_verification_run(
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
        return await self._run(
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

    async def report_verification_progress(
        self,
        run_id: str,
        *,
        done: int,
        passed: int,
        failed: int,
        last: VerificationStep | None = None,
    ) -> int:
        """Report a run's progress (``verification.progress``); the event's sequence."""
        return await self._run(
            calls.report_verification_progress(
                run_id, done=done, passed=passed, failed=failed, last=last
            )
        )

    async def finish_verification_run(
        self,
        run_id: str,
        verifications: Iterable[Verification],
        fixtures: Iterable[Fixture] = (),
        *,
        skipped: int = 0,
    ) -> VerificationFinish:
        """Store a run's results (``verification.finished``); what the daemon stored."""
        return await self._run(
            calls.finish_verification_run(run_id, verifications, fixtures, skipped=skipped)
        )

    async def abandon_verification_run(self, run_id: str, error: str) -> VerificationFinish:
        """End a run that could not complete, with the reason; nothing is stored."""
        return await self._run(calls.abandon_verification_run(run_id, error))

    async def verification_runs(self) -> list[VerificationRun]:
        """The recent runs, newest first (without their failures)."""
        return await self._run(calls.verification_runs())

    async def verification_run(self, run_id: str) -> VerificationRun | None:
        """One run with its failures; None when the daemon does not know it."""
        return await self._run(calls.verification_run(run_id))

    async def start_verification(
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
        return await self._run(
            calls.start_verification(
                project,
                base_url,
                state_handlers=state_handlers,
                on_missing=on_missing,
                only_new=only_new,
                environment=environment,
            )
        )

    async def provider_choices(self, project: Path | str | None = None) -> list[ProviderChoice]:
        """The provider projects a verification could be started for, best first, with
        their ``[provider]`` settings; ``project``: the asker's project's config file."""
        return await self._run(calls.provider_choices(project))

    # -- the live stream --------------------------------------------------------------

    async def stream_events(
        self,
        since: int | None = None,
        *,
        on_state: StateCallback | None = None,
        backoff: Backoff | None = None,
        read_timeout: float = STREAM_READ_TIMEOUT,
    ) -> AsyncIterator[Event]:
        """The daemon's events, forever: those after ``since`` first (None: only new ones),
        then live ones, each once and in order.

        When the daemon goes away or drops us for falling behind, this reconnects (with
        backoff while it is down) and resumes after the last event yielded; ``on_state``
        hears each change. A version mismatch or a refused request ends it with an error.
        """
        last = since
        delays = iter((backoff or Backoff()).delays())
        first = True

        def tell(state: StreamState, detail: str | None = None, retry: float | None = None) -> None:
            if on_state is not None:
                on_state(StreamStatus(state, detail, retry, last))

        while True:
            tell(StreamState.CONNECTING if first else StreamState.RECONNECTING)
            first = False
            fell_behind = False
            try:
                await self._refresh_endpoint()
                async with aclosing(self._one_stream(last, read_timeout)) as frames:
                    async for kind, event, ready_seq in frames:
                        if kind == SSE_READY:
                            delays = iter((backoff or Backoff()).delays())
                            if last is None:
                                last = ready_seq
                            tell(StreamState.LIVE)
                        elif kind == SSE_OVERFLOW:
                            fell_behind = True
                        elif event is not None and (last is None or event.seq > last):
                            last = event.seq
                            yield event
                if fell_behind:
                    tell(StreamState.FELL_BEHIND, "the daemon dropped us for reading slowly")
                    continue  # resume at once from the last event yielded
                problem = "the daemon closed the event stream"
            except (httpx.TransportError, DaemonUnavailable) as exc:
                problem = f"the daemon is not reachable ({exc.__class__.__name__})"
            except DaemonRequestError as exc:
                if exc.status < 500:
                    raise
                problem = str(exc)
            except ValueError as exc:  # a frame that is not JSON: resume after the last good one
                problem = f"unreadable event frame ({exc})"
            delay = next(delays)
            log.debug("event stream: %s; retrying in %.1fs", problem, delay)
            tell(StreamState.RECONNECTING, problem, delay)
            await asyncio.sleep(delay)  # backoff before the next attempt

    async def _refresh_endpoint(self) -> None:
        """Re-read the runtime file (a restarted daemon may listen elsewhere)."""
        if not self._rediscover:
            return
        endpoint = find_endpoint(self._home)
        if endpoint is None:
            raise DaemonUnavailable("no Entente daemon is running")
        if (endpoint.socket, endpoint.url, endpoint.token) != (
            self.endpoint.socket,
            self.endpoint.url,
            self.endpoint.token,
        ):
            await self._http.aclose()
            self.endpoint = endpoint
            self._http = async_http_client(endpoint, self._timeout)

    async def _one_stream(
        self, last: int | None, read_timeout: float
    ) -> AsyncGenerator[tuple[str, Event | None, int | None], None]:
        """One connection's frames: (kind, event, ready_seq)."""
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if last is not None:
            headers["Last-Event-ID"] = str(last)
        timeout = httpx.Timeout(read_timeout, connect=5.0)
        path = f"{API_PREFIX}/events/stream"
        async with self._http.stream("GET", path, headers=headers, timeout=timeout) as response:
            if response.status_code != 200:
                await response.aread()
                calls.Call("GET", path, lambda data: data).finish(response)
                raise DaemonError(f"unexpected HTTP {response.status_code} from {path}")
            parser = SseParser()
            async for line in response.aiter_lines():
                message = parser.feed(line)
                if message is None:
                    continue
                data = json.loads(message.data) if message.data else {}
                if message.event == SSE_READY:
                    yield SSE_READY, None, int(data.get("last_seq", 0))
                elif message.event == SSE_OVERFLOW:
                    yield SSE_OVERFLOW, None, None
                    return
                elif message.id is not None:
                    yield message.event, event_from_wire(data), None
