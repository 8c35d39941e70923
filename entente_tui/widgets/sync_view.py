"""The Sync screen's body: the broker's state (``GET /v1/sync``) and the last sync events.

Pure rendering (`sync_text`) so that a fixed state renders the same in a snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from entente_daemon.client import events as payloads
from entente_daemon.client.wire import BrokerStatus

NOT_CONFIGURED_HELP = (
    "No broker is configured, so nothing is synced: this workstation's records stay here.\n\n"
    "To sync with your team's broker, give the daemon its URL and an API key:\n"
    "  entente sync login --url https://broker.example     (the key is asked, kept 0600)\n"
    "or set ENTENTE_SERVICE_URL and ENTENTE_API_KEY where the daemon starts, or give the\n"
    "project a [broker] url in entente.toml (never the key)."
)

STATE_STYLES = {
    "connected": "bold green",
    "connecting": "bold yellow",
    "error": "bold red",
    "key refused": "bold red",
}

#: (when, "sync.progress" | "sync.error", message)
SyncNote = tuple[datetime, str, str]


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def sync_text(state: BrokerStatus | None, notes: Sequence[SyncNote] = ()) -> Text:
    """The state, its queue per kind, the last push and pull, the error, the notes."""
    text = Text()
    if state is None:
        text.append("Reading the sync's state…", style="dim")
        return text
    text.append("Broker  ", style="bold")
    text.append(state.state, style=STATE_STYLES.get(state.state, "bold"))
    if state.url:
        text.append(f"  {state.url}", style="cyan")
    text.append("\n\n")
    if state.url is None and state.last_error is None:
        text.append(NOT_CONFIGURED_HELP)
        return text
    if state.last_error:
        text.append("Error   ", style="bold red")
        text.append(f"{state.last_error}\n\n")
    text.append("Queued  ", style="bold")
    text.append(f"{state.queued}", style="bold yellow" if state.queued else "")
    kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in state.queued_by_kind.items())
    text.append(f"  ({kinds})\n" if kinds else "  (nothing waits)\n")
    if state.dropped:
        text.append("Dropped ", style="bold red")
        text.append(f"{state.dropped} record(s) did not fit in the full outbox\n")
    text.append("Pushed  ", style="bold")
    text.append(f"{state.pushed}  last {_when(state.last_push)}\n")
    text.append("Pulled  ", style="bold")
    text.append(f"{state.pulled}  last {_when(state.last_pull)}  (feed cursor {state.cursor})\n")
    if notes:
        text.append("\nRecent\n", style="bold")
        for moment, kind, message in notes:
            style = "red" if kind == payloads.SyncError.KIND else "green"
            text.append(f"  {moment.astimezone().strftime('%H:%M:%S')}  ", style="dim")
            text.append(f"{message}\n", style=style)
    return text


def header_part(state: BrokerStatus | None) -> Text | None:
    """The header's broker part (None when no broker is configured: nothing to say)."""
    if state is None or (state.url is None and state.last_error is None):
        return None
    text = Text("  broker: ")
    text.append(state.state, style=STATE_STYLES.get(state.state, "bold"))
    if state.queued:
        text.append(f" ({state.queued} queued)", style="yellow")
    return text
