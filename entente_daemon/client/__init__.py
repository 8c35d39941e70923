"""The client of the Entente daemon, used by the CLI and the TUI.

It imports neither TinyDB, watchfiles nor the ASGI server: only httpx, pydantic and the data
model. Find the daemon with ``DaemonClient.discover()`` (blocking) or
``AsyncDaemonClient.discover()`` (asyncio, with the reconnecting ``stream_events``), or ask
``daemon_running()``.
"""

from __future__ import annotations

from .aio import AsyncDaemonClient, Backoff, StreamState, StreamStatus
from .endpoint import Endpoint, find_endpoint
from .errors import (
    DaemonError,
    DaemonNotRunning,
    DaemonRequestError,
    DaemonUnavailable,
    DaemonVersionMismatch,
)
from .runtime import RunPaths, RuntimeInfo, read_runtime_info
from .sync import DaemonClient, daemon_running
from .wire import (
    DaemonStatus,
    EventPage,
    FixtureDetail,
    FixtureOperation,
    InteractionPage,
    MockInfo,
    ProjectInfo,
    UploadReceipt,
    VerificationFailure,
    VerificationFinish,
    VerificationLaunch,
    VerificationRun,
    VerificationStep,
    event_from_wire,
    event_to_wire,
)

__all__ = [
    "AsyncDaemonClient",
    "Backoff",
    "DaemonClient",
    "DaemonError",
    "DaemonNotRunning",
    "DaemonRequestError",
    "DaemonStatus",
    "DaemonUnavailable",
    "DaemonVersionMismatch",
    "Endpoint",
    "EventPage",
    "FixtureDetail",
    "FixtureOperation",
    "InteractionPage",
    "MockInfo",
    "ProjectInfo",
    "RunPaths",
    "RuntimeInfo",
    "StreamState",
    "StreamStatus",
    "UploadReceipt",
    "VerificationFailure",
    "VerificationFinish",
    "VerificationLaunch",
    "VerificationRun",
    "VerificationStep",
    "daemon_running",
    "event_from_wire",
    "event_to_wire",
    "find_endpoint",
    "read_runtime_info",
]
