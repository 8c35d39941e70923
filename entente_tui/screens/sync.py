"""The Sync screen: the daemon's sync with the team's broker (``GET /v1/sync``): connected or
not, what waits in the outbox (per kind), the last push and pull, the last error, and the
recent ``sync.progress``/``sync.error`` events. ``s`` syncs now (``POST /v1/sync``)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from textual import work
from textual.app import ComposeResult
from textual.widgets import Static

from entente_daemon.client.errors import DaemonError
from entente_daemon.client.events import SyncError, SyncProgress, parse_payload
from entente_daemon.client.wire import BrokerStatus
from entente_daemon.model import Event, EventKind
from entente_tui.bindings import PaletteBinding
from entente_tui.widgets.sync_view import SyncNote, sync_text

from .base import LiveScreen

SYNC_KINDS = frozenset({EventKind.SYNC_PROGRESS, EventKind.SYNC_ERROR})
NOTES_KEPT = 12


class SyncScreen(LiveScreen):
    NAME = "sync"
    TITLE = "Sync"
    BINDINGS = [
        PaletteBinding(
            "s",
            "sync_now",
            "Sync now",
            id="sync.now",
            title="Sync now",
            help="Push the outbox to the broker and pull its news now",
        ),
        PaletteBinding(
            "r",
            "refresh",
            "Refresh",
            id="sync.refresh",
            title="Refresh the sync's state",
            help="Read the sync's state from the daemon again",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state: BrokerStatus | None = None
        self.notes: deque[SyncNote] = deque(maxlen=NOTES_KEPT)

    def compose_body(self) -> ComposeResult:
        yield Static(sync_text(None), id="sync-view")

    def _show(self) -> None:
        self.query_one("#sync-view", Static).update(sync_text(self.state, list(self.notes)))

    def reload(self) -> None:
        self.read_state()

    @work(exclusive=True, group="sync-state")
    async def read_state(self) -> None:
        try:
            self.state = await self.client.sync_state()
        except DaemonError as exc:
            self.notify(str(exc), title="Cannot read the sync's state", severity="error")
            return
        self._show()

    @work(exclusive=True, group="sync-now")
    async def action_sync_now(self) -> None:
        self.notify("Syncing with the broker…", title="Sync")
        try:
            self.state = await self.client.sync_now()
        except DaemonError as exc:
            self.notify(str(exc), title="Sync failed", severity="error")
            return
        self._show()
        if self.state.last_error:
            self.notify(self.state.last_error, title="Sync failed", severity="error")
        else:
            self.notify(f"{self.state.queued} queued", title="Synced")

    def action_refresh(self) -> None:
        self.read_state()

    def apply_events(self, events: Iterable[Event]) -> None:
        seen = False
        for event in events:
            if event.kind not in SYNC_KINDS:
                continue
            payload = parse_payload(event)
            if isinstance(payload, SyncProgress | SyncError):
                self.notes.appendleft((event.time, str(event.kind), payload.message or ""))
                seen = True
        if seen:
            self._show()
            self.read_state()
