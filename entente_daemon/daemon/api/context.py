"""What the control API's handlers receive: the services, and facts about this daemon.

Built once by `process.main`, after every service, and frozen: handlers read it, nothing
sets it. Each handler is called as ``handler(ctx, request)`` (see `api.routes`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime

from entente_daemon.daemon.api.control import ControlServer
from entente_daemon.daemon.process.settings import DaemonSettings
from entente_daemon.daemon.services.breaking import BreakingService
from entente_daemon.daemon.services.bus import EventBus
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
from entente_daemon.model import utc_now


@dataclass(frozen=True)
class ApiContext:
    settings: DaemonSettings
    recorder: StoreWriter
    bus: EventBus
    projects: ProjectRegistry
    mocks: MockService
    test_runs: TestRunService
    verification_runs: VerificationRuns
    launcher: VerifyLauncher
    watcher: FileWatcher
    spec_finder: SpecFinder
    deployments: DeployService
    sync: SyncService
    breaking: BreakingService
    control: ControlServer
    pid: int = field(default_factory=os.getpid)
    started_at: datetime = field(default_factory=utc_now)
    started_monotonic: float = field(default_factory=time.monotonic)

    @property
    def tcp_port(self) -> int | None:
        """The loopback TCP port the control API listens on, if it does."""
        return self.control.tcp_port

    def watched_files(self) -> list[str]:
        """Every file watched (specs, configs, JUnit reports), for the status."""
        return sorted(str(path) for path in self.watcher.files)

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started_monotonic
