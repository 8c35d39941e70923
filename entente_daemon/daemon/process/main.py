"""The daemon assembled: every service built here, then the frozen `ApiContext` the control
API's handlers receive; services started in order and stopped in reverse, signals, the
runtime files, the lock. ``run_daemon(settings)`` is ``entente-daemon run``. A stop signal
arms the stop deadline (`stopping`): the process ends within it whatever hangs.

Nothing else wires the daemon: no service creates another or sets anything on the context.
Services that act on projects are hooked to the registry's "project changed" here; those
that watch files subscribe to the one `FileWatcher` they are given.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from dataclasses import dataclass
from typing import Protocol

from entente_daemon import __version__
from entente_daemon.client.rundir import DaemonLock, prepare_run_dir, remove_runtime_files
from entente_daemon.client.runtime import RuntimeInfo
from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.control import ControlServer
from entente_daemon.daemon.api.routes import build_app
from entente_daemon.daemon.process.files import remove, write_private
from entente_daemon.daemon.process.logs import setup_logging
from entente_daemon.daemon.process.settings import DaemonSettings
from entente_daemon.daemon.process.stopping import StopDeadline
from entente_daemon.daemon.services.breaking import BreakingService
from entente_daemon.daemon.services.bus import EventBus
from entente_daemon.daemon.services.core import Core
from entente_daemon.daemon.services.deployments import DeployService
from entente_daemon.daemon.services.mocks import MockService
from entente_daemon.daemon.services.projects import ProjectRegistry
from entente_daemon.daemon.services.spec_finder import SpecFinder
from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.daemon.services.sync.service import SyncService
from entente_daemon.daemon.services.test_runs import TestRunService
from entente_daemon.daemon.services.verification_launcher import VerifyLauncher
from entente_daemon.daemon.services.verification_runs import VerificationRuns
from entente_daemon.daemon.services.watcher import FileWatcher
from entente_daemon.errors import EntenteError, StoreError

log = logging.getLogger("entente.daemon")

# SIGHUP too: a daemon run in a terminal that closes stops cleanly, store flushed.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Service(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Assembly:
    """The daemon's parts, built and wired but not started."""

    ctx: ApiContext
    control: ControlServer

    @property
    def services(self) -> list[Service]:
        """Those started after the store writer (and the bus bound to it), in start
        order; stopped in reverse. The services that act on projects start before the
        registry re-attaches the projects (so they see them); the watcher once every
        subscriber has said what to watch (a change made before it listens is still seen:
        see `services.watcher`), so it stops before the services it calls; the control API
        last, so that a request finds everything up."""
        ctx = self.ctx
        return [
            ctx.bus,
            ctx.deployments,
            ctx.breaking,
            ctx.mocks,
            ctx.test_runs,
            ctx.launcher,
            ctx.sync,
            ctx.projects,
            ctx.watcher,
            self.control,
        ]


def assemble(settings: DaemonSettings) -> Assembly:
    """Build every service, hook them together, and the context the handlers receive."""
    paths = settings.paths
    bus = EventBus(queue_size=settings.queue_size, recent=settings.recent_events)
    recorder = StoreWriter(
        paths.store,
        dispatch=bus.dispatch,
        lock_timeout=settings.store_lock_timeout,
        events_kept=settings.events_kept,
    )
    core = Core(recorder, bus)
    watcher = FileWatcher()
    # The registry subscribes to the watcher first: a config file and a spec changed
    # together are seen as the config first (the mock may be restarted, not reloaded).
    projects = ProjectRegistry(paths.projects, bus.publish, watcher)
    # Before the mocks on the watcher: a save is looked at quickly while the mock reloads.
    breaking = BreakingService(recorder, bus, watcher)
    mocks = MockService(core, watcher, ports_file=paths.mock_ports)
    mocks.on_spec_loaded(breaking.spec_loaded)  # each good load, not parsed twice
    test_runs = TestRunService(core, watcher)
    projects.on_project_changed(recorder.bounds.project_changed)  # [store] bounds
    projects.on_project_changed(mocks.project_changed)
    projects.on_project_changed(test_runs.project_changed)
    projects.on_project_changed(breaking.project_changed)
    verification_runs = VerificationRuns(core)
    launcher = VerifyLauncher(
        verification_runs, home=settings.home, log_folder=paths.run / "verify"
    )
    deployments = DeployService(recorder, bus)
    # The sync with the broker: queued in the store, pushed and pulled in the background;
    # specs it pulls restart the mocks serving stored specs, facts it pulls are gathered again.
    sync = SyncService(
        recorder,
        settings.home,
        projects.configs,
        on_specs=mocks.stored_specs_changed,
        on_facts=deployments.records_pulled,
    )
    projects.on_project_changed(sync.project_changed)
    control = ControlServer(
        lambda guard: build_app(ctx, guard),
        paths.socket,
        tcp=settings.tcp,
        shutdown_grace=settings.shutdown_grace,
        max_head_bytes=settings.max_header_bytes,
    )
    ctx = ApiContext(
        settings=settings,
        recorder=recorder,
        bus=bus,
        projects=projects,
        mocks=mocks,
        test_runs=test_runs,
        verification_runs=verification_runs,
        launcher=launcher,
        watcher=watcher,
        spec_finder=SpecFinder(recorder, mocks.served_specs),
        deployments=deployments,
        sync=sync,
        breaking=breaking,
        control=control,
    )
    return Assembly(ctx, control)


class Daemon:
    def __init__(self, settings: DaemonSettings) -> None:
        self.settings = settings
        self._stop = asyncio.Event()

    def request_stop(self, reason: str = "requested") -> None:
        if not self._stop.is_set():
            log.info("stopping (%s)", reason)
        self._stop.set()

    async def serve(self) -> None:
        """Run until SIGTERM/SIGINT (or `request_stop`), then shut down in reverse order."""
        settings, paths = self.settings, self.settings.paths
        loop = asyncio.get_running_loop()
        # A stop signal arms the stop deadline (the process ends within it, even if a
        # service's stop hangs), then asks the loop to stop.
        deadline = StopDeadline(settings.stop_deadline, paths.log)
        deadline.install(
            STOP_SIGNALS, lambda name: loop.call_soon_threadsafe(self.request_stop, name)
        )

        assembly = assemble(settings)
        ctx, control = assembly.ctx, assembly.control
        recorder, bus = ctx.recorder, ctx.bus
        started: list[Service] = []
        warm_up: asyncio.Task[None] | None = None
        try:
            await recorder.start()
            started.append(recorder)
            await _bind_bus(bus, recorder)
            for service in assembly.services:
                if self._stop.is_set():
                    break
                await service.start()
                started.append(service)
                log.debug("%s started", service.name)
            if not self._stop.is_set():
                self._write_runtime_files(ctx, control)
                log.info(
                    "Entente daemon %s ready (pid %d, socket %s)",
                    __version__,
                    ctx.pid,
                    paths.socket,
                )
                warm_up = asyncio.create_task(_warm_index(recorder), name="index-warm-up")
                await self._stop.wait()
        finally:
            if warm_up is not None:
                warm_up.cancel()
                await asyncio.gather(warm_up, return_exceptions=True)
            remove(paths.info, paths.pid, paths.token)  # clients stop finding us first
            bus.end_streams()
            for service in reversed(started):
                try:
                    await service.stop()
                    log.debug("%s stopped", service.name)
                except Exception:
                    log.exception("stopping the %s failed", service.name)
            deadline.uninstall()
            log.info("Entente daemon stopped")
            deadline.cancel()

    def _write_runtime_files(self, ctx: ApiContext, control: ControlServer) -> None:
        paths = self.settings.paths
        write_private(paths.pid, f"{ctx.pid}\n")
        url = None
        if control.token is not None and control.tcp_port is not None:
            write_private(paths.token, control.token + "\n")
            url = f"http://127.0.0.1:{control.tcp_port}"
        info = RuntimeInfo(
            pid=ctx.pid,
            version=__version__,
            socket=str(paths.socket),
            started_at=ctx.started_at,
            tcp_port=control.tcp_port,
            url=url,
        )
        write_private(paths.info, info.model_dump_json(indent=2) + "\n")  # written last: "ready"


async def _warm_index(recorder: StoreWriter) -> None:
    """Once the daemon is up, build the filter index from the store's rows in the
    background (never on the writer thread): the store opened without reading any
    interaction, so the daemon answered at once, and the first filtered list finds the index
    ready and reads only its page. (A store written before rows has them made here once,
    which reads every interaction.)"""
    try:
        await recorder.ensure_index()
    except StoreError as exc:
        log.warning("the interaction index is built on first use instead: %s", exc)


async def _bind_bus(bus: EventBus, recorder: StoreWriter) -> None:
    """Give the bus the store's events (numbering goes on from the last stored one)."""
    last_seq = await recorder.read(lambda store: store.events.last_seq())
    bus.bind(
        read_since=lambda seq, limit: recorder.read(lambda store: store.events.since(seq, limit)),
        emit=recorder.emit,
        last_seq=last_seq,
    )


def run_daemon(
    settings: DaemonSettings,
    *,
    log_to_stderr: bool | None = None,
) -> int:
    """``entente-daemon run``: serve in the foreground until stopped; the exit code."""
    os.umask(0o077)  # everything the daemon creates is its owner's only
    paths = settings.paths
    try:
        prepare_run_dir(paths)
    except EntenteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    to_stderr = sys.stderr.isatty() if log_to_stderr is None else log_to_stderr
    setup_logging(paths.log, to_stderr=to_stderr)
    try:
        lock = DaemonLock.acquire(paths)
    except EntenteError as exc:
        log.info("not starting: %s", exc)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        if any(p.exists() for p in (paths.info, paths.pid, paths.socket, paths.token)):
            log.warning("removing the files of a daemon that did not stop cleanly")
            remove_runtime_files(paths)
        log.info("starting the Entente daemon (pid %d, home %s)", os.getpid(), paths.home)
        try:
            asyncio.run(Daemon(settings).serve())
        except EntenteError as exc:
            log.error("the daemon cannot run: %s", exc)
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except Exception:
            log.exception("the daemon crashed")
            return 1
        return 0
    finally:
        remove_runtime_files(paths)
        lock.release()
