"""An event of a kind this version does not know (as a newer daemon writes) is read and
passed on by a real daemon, its page, its stream and ``entente events``: shown, not fatal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from entente_daemon.client import AsyncDaemonClient
from entente_daemon.client.events import UnknownPayload, parse_payload
from entente_daemon.model import Event
from entente_daemon.store import Store

from .conftest import Daemon, env_for

PAYLOAD = {"message": "the gate fell", "line": 4}


def seed_newer_event(daemon: Daemon) -> None:
    """Store one event of a kind from the future, before the daemon starts."""
    with Store.open(daemon.paths.store) as store:
        store.events.append(Event(kind="castle.besieged", payload=PAYLOAD))


async def test_a_real_stream_reads_an_unknown_kind(daemon: Daemon) -> None:
    seed_newer_event(daemon)
    daemon.start()
    with daemon.client() as client:
        page = client.events_since(0)
    assert [(e.seq, e.kind, e.payload) for e in page.events] == [(1, "castle.besieged", PAYLOAD)]

    streamed: list[Event] = []
    async with AsyncDaemonClient.connect(daemon.home) as aclient:
        async for event in aclient.stream_events(0):
            streamed.append(event)
            break
    assert [e.kind for e in streamed] == ["castle.besieged"]
    assert parse_payload(streamed[0]) == UnknownPayload(kind="castle.besieged", data=PAYLOAD)


def test_entente_events_prints_an_unknown_kind_with_a_note(home: Path, daemon: Daemon) -> None:
    seed_newer_event(daemon)
    daemon.start()
    with subprocess.Popen(
        [sys.executable, "-m", "entente_daemon.cli", "events", "--since", "0"],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as follower:
        assert follower.stdout is not None
        line = follower.stdout.readline()  # the stored event (the test's timeout bounds it)
        follower.send_signal(signal.SIGINT)
        _, stderr = follower.communicate(timeout=30)
    assert follower.returncode == 0, stderr
    printed = json.loads(line)
    assert printed["v"] == 1
    assert (printed["seq"], printed["kind"], printed["payload"]) == (1, "castle.besieged", PAYLOAD)
    assert "'castle.besieged' is a kind this entente does not know" in stderr
