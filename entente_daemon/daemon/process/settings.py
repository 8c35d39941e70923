"""The daemon's settings: where it lives and the knobs tests turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from entente_daemon.client.runtime import RunPaths
from entente_daemon.daemon.process.stopping import DEFAULT_STOP_DEADLINE
from entente_daemon.home import entente_home

DEFAULT_HEARTBEAT = 15.0
DEFAULT_QUEUE_SIZE = 1000
DEFAULT_EVENTS_KEPT = 50_000


@dataclass(frozen=True)
class DaemonSettings:
    home: Path = field(default_factory=entente_home)
    tcp: bool = False  # also listen on 127.0.0.1 (random port, bearer token)
    heartbeat: float = DEFAULT_HEARTBEAT  # seconds between SSE heartbeat comments
    queue_size: int = DEFAULT_QUEUE_SIZE  # events buffered per stream subscriber
    events_kept: int = DEFAULT_EVENTS_KEPT  # stored events beyond this are trimmed
    recent_events: int = 1000  # kept in memory for cheap catch-up
    store_lock_timeout: float = 10.0
    max_body: int = 64 * 1024 * 1024  # bytes a request body may have
    max_header_bytes: int = 64 * 1024  # bytes of a request line and headers together
    shutdown_grace: int = 5  # seconds for open requests when stopping
    stop_deadline: float = DEFAULT_STOP_DEADLINE  # seconds from a stop signal to the exit

    @property
    def paths(self) -> RunPaths:
        return RunPaths(self.home)
