"""What the control API's handlers reach: the services, and facts about this daemon."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from entente_daemon.client.wire import MockInfo
from entente_daemon.daemon.process.settings import DaemonSettings
from entente_daemon.daemon.services.bus import EventBus
from entente_daemon.daemon.services.projects import ProjectRegistry
from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.model import utc_now
from entente_daemon.openapi import Spec

if TYPE_CHECKING:
    from entente_daemon.daemon.api.routes_verify import VerificationServices
    from entente_daemon.daemon.services.test_runs import TestRunService


def _no_mocks() -> list[MockInfo]:
    return []


def _no_served_specs() -> list[tuple[MockInfo, Spec]]:
    return []


@dataclass
class ApiContext:
    settings: DaemonSettings
    recorder: StoreWriter
    bus: EventBus
    projects: ProjectRegistry
    pid: int = field(default_factory=os.getpid)
    started_at: datetime = field(default_factory=utc_now)
    started_monotonic: float = field(default_factory=time.monotonic)
    tcp_port: int | None = None
    # The mock-hosting service replaces this with its own listing.
    mocks: Callable[[], list[MockInfo]] = _no_mocks
    # ...and this with the specs its mocks serve now (the last good one after a bad reload).
    served_specs: Callable[[], list[tuple[MockInfo, Spec]]] = _no_served_specs
    # Set by the test-run service (POST /v1/test-runs/events, GET /v1/test-runs).
    test_runs: TestRunService | None = None
    # Verification runs and the verifications the daemon starts (see `routes_verify`).
    verification: VerificationServices | None = None
    # What each watching service watches (specs, configs, JUnit reports), for the status.
    watchers: list[Callable[[], Iterable[Path]]] = field(default_factory=list)

    def watched_files(self) -> list[str]:
        return sorted({str(path) for watched in self.watchers for path in watched()})

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started_monotonic
