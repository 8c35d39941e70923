"""``entente events``: follow the daemon's live event feed, one JSON object per line."""

from __future__ import annotations

import asyncio
import json
import sys

import click

from entente_daemon.client import AsyncDaemonClient, StreamState, StreamStatus, event_to_wire
from entente_daemon.client.events import UnknownPayload, parse_payload
from entente_daemon.model import Event


def _report(status: StreamStatus) -> None:
    if status.state is StreamState.RECONNECTING and status.detail is not None:
        retry = f"; retrying in {status.retry_in:.1f}s" if status.retry_in is not None else ""
        click.echo(f"{status.detail}{retry}", err=True)
    elif status.state is StreamState.FELL_BEHIND:
        click.echo("fell behind the daemon's events; catching up", err=True)


def _unreadable(event: Event) -> str | None:
    """A note for stderr when this version cannot read the event (it is printed anyway)."""
    payload = parse_payload(event)
    if not isinstance(payload, UnknownPayload):
        return None
    if payload.problem is None:
        return f"event {event.seq}: {payload.kind!r} is a kind this entente does not know"
    first = payload.problem.splitlines()[0]
    return f"event {event.seq}: its payload does not read as {payload.kind!r} ({first})"


async def _follow(since: int | None) -> None:
    noted: set[str] = set()  # one note per kind: an unreadable event is printed all the same
    async with AsyncDaemonClient.connect() as client:
        async for event in client.stream_events(since, on_state=_report):
            note = _unreadable(event)
            if note is not None and str(event.kind) not in noted:
                noted.add(str(event.kind))
                click.echo(note, err=True)
            sys.stdout.write(json.dumps(event_to_wire(event), ensure_ascii=False) + "\n")
            sys.stdout.flush()


@click.command("events")
@click.option(
    "--since",
    type=click.IntRange(min=0),
    default=None,
    help="First replay the stored events after this id (0: all kept); default: only new ones.",
)
def events(since: int | None) -> None:
    """Follow the daemon's events (recordings, fixtures, spec errors...) until Ctrl-C.

    Each line is {"v", "seq", "kind", "time", "payload"}. The feed survives daemon
    restarts: it reconnects and resumes after the last event printed.
    """
    try:
        asyncio.run(_follow(since))
    except KeyboardInterrupt:
        return
    except BrokenPipeError:  # `entente events | head`
        sys.stderr.close()
