"""The daemon's sync with the broker: a pusher and a puller, each with its own backoff.

The pusher looks at the outbox every ``push_interval`` and sends what is queued; the
puller long-polls the broker's event feed. A failure (the broker down, answering 500s,
timing out, refusing the key) keeps the outbox as it is, is said once per episode
(``sync.error``, the status's ``last_error``) and waits as `Backoff` says; the daemon and
its mocks go on serving whatever the broker does. ``sync_now`` (``POST /v1/sync``) runs one
push and one pull at once.

Without a broker configured (`settings.resolve_target`) the service does nothing and the
outbox stays off. The broker is looked for again when a project is attached or changed
(its ``[broker] url``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from entente_daemon.client import events as payloads
from entente_daemon.client.wire import BrokerStatus
from entente_daemon.config import ProjectConfig
from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.errors import ConfigError
from entente_daemon.model import Role, utc_now

from .backoff import Backoff
from .engine import Interest, PullReport, PushReport, SyncEngine
from .http_link import HttpBrokerLink
from .link import BrokerError, BrokerKeyRefused, BrokerLink, BrokerUnreachable
from .settings import BrokerTarget, resolve_target

log = logging.getLogger("entente.sync")

WAIT_ENV = "ENTENTE_SYNC_WAIT"  # seconds a pull waits for news (long-poll)
BACKOFF_CAP_ENV = "ENTENTE_SYNC_BACKOFF_CAP"  # most seconds between attempts after failures
DEFAULT_WAIT = 20.0
PUSH_INTERVAL = 0.5

LinkFactory = Callable[[BrokerTarget], BrokerLink]


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value >= 0 else default


@dataclass
class _Health:
    """One direction's state: whether its last attempt worked, and the error if not."""

    ok: bool | None = None
    error: str | None = None
    kind: str | None = None


class SyncService:
    name = "sync"

    def __init__(
        self,
        recorder: StoreWriter,
        home: Path,
        projects: Callable[[], list[ProjectConfig]],
        *,
        link_factory: LinkFactory | None = None,
        on_specs: Callable[[set[str]], Awaitable[None]] | None = None,
        on_facts: Callable[[], None] | None = None,
    ) -> None:
        self._recorder = recorder
        self._home = home
        self._projects = projects
        self._link_factory: LinkFactory = link_factory or (lambda t: HttpBrokerLink(t.url, t.key))
        self._on_specs = on_specs
        self._on_facts = on_facts
        self._target: BrokerTarget | None = None
        self._config_error: str | None = None
        self._engine: SyncEngine | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._push_lock = asyncio.Lock()
        self._pull_lock = asyncio.Lock()
        self._push = _Health()
        self._pull = _Health()
        self._wake_push = asyncio.Event()
        self.wait = _seconds(WAIT_ENV, DEFAULT_WAIT)
        self.backoff_cap = _seconds(BACKOFF_CAP_ENV, 60.0)
        self._reported: int = 0  # the dropped count last said in an alert

    # -- life ---------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._configure()

    async def stop(self) -> None:
        await self._stop_loops()

    async def project_changed(self, config: ProjectConfig) -> None:
        """A project's ``[broker] url`` may name the broker: look again when none is known."""
        if self._target is None and config.broker.url:
            await self._configure()

    async def _configure(self) -> None:
        try:
            target = resolve_target(self._home, os.environ, self._projects())
            self._config_error = None
        except ConfigError as exc:
            self._config_error = str(exc)
            log.error("sync: %s", exc)
            return
        if target is None:
            return
        await self._stop_loops()
        self._target = target
        link = self._link_factory(target)
        recorder = self._recorder
        self._engine = SyncEngine(
            recorder, link, interest=self._interest, on_interactions=recorder.index.add_many
        )
        queued = await recorder.write(lambda s, _e: s.outbox.enable(target.url))
        log.info("syncing with the broker at %s (%d record(s) queued)", target.url, queued)
        self._tasks = [
            asyncio.create_task(self._push_loop(), name="sync-push"),
            asyncio.create_task(self._pull_loop(), name="sync-pull"),
        ]

    async def _stop_loops(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._engine is not None:
            await self._engine.link.aclose()
            self._engine = None

    def _interest(self) -> Interest:
        consumes: set[str] = set()
        verifies: set[str] = set()
        for config in self._projects():
            consumes |= {p.name for p in config.providers}
            if config.role in (Role.PROVIDER, Role.BOTH) or config.provided_spec is not None:
                verifies.add(config.provided_name)
        return Interest(frozenset(consumes), frozenset(verifies))

    # -- the loops ------------------------------------------------------------------------------

    async def _push_loop(self) -> None:
        backoff = Backoff(cap=self.backoff_cap)
        while True:
            try:
                queued = await self._recorder.read(lambda s: s.outbox.count())
                if queued:
                    await self.push()
                backoff.succeeded()
                delay = PUSH_INTERVAL
            except BrokerError:
                delay = backoff.failed()
            except Exception:
                log.exception("sync: the push failed unexpectedly")
                delay = backoff.failed()
            self._wake_push.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_push.wait(), max(delay, 0.05))

    async def _pull_loop(self) -> None:
        backoff = Backoff(cap=self.backoff_cap)
        while True:
            try:
                await self.pull(self.wait)
                backoff.succeeded()
                continue
            except BrokerError:
                delay = backoff.failed()
            except Exception:
                log.exception("sync: the pull failed unexpectedly")
                delay = backoff.failed()
            await asyncio.sleep(delay)

    # -- one push, one pull --------------------------------------------------------------------

    async def push(self) -> PushReport:
        engine = self._require()
        async with self._push_lock:
            try:
                report = await engine.push()
            except BrokerError as exc:
                await self._failed(self._push, exc, "push")
                raise
            await self._succeeded(self._push)
        if report.sent or report.rejected:
            await self._progress(f"pushed {report.sent} record(s)", pushed=report.sent)
        if report.rejected:
            await self._error(
                f"the broker refused {len(report.rejected)} record(s) for good; they left the "
                "queue: " + "; ".join(report.rejected[:5]),
                "rejected",
            )
        await self._check_dropped()
        return report

    async def pull(self, wait: float = 0.0) -> PullReport:
        engine = self._require()
        async with self._pull_lock:
            try:
                report = await engine.pull(wait)
            except BrokerError as exc:
                await self._failed(self._pull, exc, "pull")
                raise
            await self._succeeded(self._pull)
        if report.total:
            what = ", ".join(f"{n} {kind}" for kind, n in sorted(report.stored.items()))
            await self._progress(f"pulled {what}", pulled=report.total)
        if report.specs and self._on_specs is not None:
            await self._on_specs(report.specs)
        if report.facts_changed and self._on_facts is not None:
            self._on_facts()
        return report

    async def sync_now(self) -> BrokerStatus:
        """One push and one pull now (``POST /v1/sync``); the state after, errors in it."""
        if self._engine is None:
            await self._configure()
        if self._engine is not None:
            with contextlib.suppress(BrokerError):
                await self.push()
            with contextlib.suppress(BrokerError):
                await self.pull(0.0)
        return await self.status()

    def _require(self) -> SyncEngine:
        if self._engine is None:
            raise BrokerUnreachable("no broker is configured")
        return self._engine

    # -- state and events -------------------------------------------------------------------------

    async def _succeeded(self, health: _Health) -> None:
        was = health.ok
        health.ok, health.error, health.kind = True, None, None
        if was is False and self._push.ok is not False and self._pull.ok is not False:
            await self._progress("connected to the broker again")

    async def _failed(self, health: _Health, exc: BrokerError, where: str) -> None:
        kind = (
            "key"
            if isinstance(exc, BrokerKeyRefused)
            else "unreachable"
            if isinstance(exc, BrokerUnreachable)
            else "broker"
        )
        first = health.error != str(exc)
        health.ok, health.error, health.kind = False, str(exc), kind
        if first:  # once per episode (and again when the cause changes)
            log.warning("sync %s failed: %s", where, exc)
            await self._error(str(exc), kind)

    async def _check_dropped(self) -> None:
        dropped = await self._recorder.read(lambda s: s.outbox.state().dropped)
        if dropped > self._reported:
            self._reported = dropped
            await self._error(
                f"the outbox is full: {dropped} record(s) were not queued for the broker; "
                "`entente sync --once` with the broker reachable sends the queue",
                "outbox full",
            )

    async def _progress(self, message: str, *, pushed: int = 0, pulled: int = 0) -> None:
        status = await self.status()
        payload = payloads.SyncProgress(
            message=message,
            url=status.url,
            pushed=pushed,
            pulled=pulled,
            queued=status.queued,
            cursor=status.cursor,
        )
        await self._recorder.emit(payload.KIND, payload.to_payload())

    async def _error(self, message: str, cause: str) -> None:
        queued = await self._recorder.read(lambda s: s.outbox.count())
        payload = payloads.SyncError(
            message=message,
            url=self._target.url if self._target else None,
            cause=cause,
            queued=queued,
        )
        await self._recorder.emit(payload.KIND, payload.to_payload())

    async def status(self) -> BrokerStatus:
        """The sync's state: ``GET /v1/sync`` and the daemon's status."""
        if self._target is None:
            return BrokerStatus(
                state="error" if self._config_error else "not configured",
                last_error=self._config_error,
            )
        state = await self._recorder.read(lambda s: s.outbox.state())
        counts = await self._recorder.read(lambda s: s.outbox.counts())
        errors = [h for h in (self._push, self._pull) if h.ok is False]
        connected = None if self._push.ok is None and self._pull.ok is None else not errors
        if errors:
            word = "key refused" if any(h.kind == "key" for h in errors) else "error"
        else:
            word = "connected" if connected else "connecting"
        return BrokerStatus(
            state=word,
            url=self._target.url,
            connected=connected,
            queued=sum(counts.values()),
            queued_by_kind={k: n for k, n in counts.items() if n},
            dropped=state.dropped,
            pushed=state.pushed,
            pulled=state.pulled,
            cursor=state.cursor,
            last_push=state.last_push,
            last_pull=state.last_pull,
            last_error=errors[0].error if errors else None,
            checked_at=utc_now(),
        )
