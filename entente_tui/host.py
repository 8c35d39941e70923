"""What the screens need of the app, as a Protocol: screens import this, never the app
module (which imports the screens)."""

from __future__ import annotations

from typing import Protocol

from entente_daemon.client import AsyncDaemonClient, MockInfo, ProjectInfo


class EntenteHost(Protocol):
    """The app, as its screens see it: the daemon's client and the shared state (set by the
    app; the two counters are also set by the screen they count for)."""

    project: ProjectInfo | None
    mocks: tuple[MockInfo, ...]
    unseen_alerts: int
    pending_fixtures: int

    @property
    def client(self) -> AsyncDaemonClient: ...
