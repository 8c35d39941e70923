"""``entente interactions list`` and ``entente events`` as a user runs them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .conftest import Daemon, entente_cli, env_for, interaction, wait_for


def test_interactions_list_through_the_daemon_then_from_the_store(
    home: Path, daemon: Daemon
) -> None:
    daemon.start()
    with daemon.client() as client:
        ids = client.upload_interactions(
            [interaction(n, test_id="test_a" if n < 3 else "test_b") for n in range(5)]
        ).ids

    done = entente_cli(home, "interactions", "list", "--json", "--test", "test_a")
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert page["source"] == "daemon"
    assert page["total"] == 3
    assert [i["id"] for i in page["interactions"]] == ids[:3]

    table = entente_cli(home, "interactions", "list", "--limit", "2")
    assert table.returncode == 0, table.stderr
    assert "GET /castles/4" in table.stdout
    assert "GET /castles/2" not in table.stdout
    assert "4-5 of 5 interaction(s), from the daemon" in table.stdout

    daemon.stop()
    done = entente_cli(home, "interactions", "list", "--json", "--limit", "2")
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert page["source"] == "store"
    assert (page["total"], page["offset"]) == (5, 3)
    assert [i["id"] for i in page["interactions"]] == ids[3:]


def test_events_follows_the_stream_and_exits_0_on_ctrl_c(home: Path, daemon: Daemon) -> None:
    daemon.start()
    with daemon.client() as client:
        client.upload_interactions([interaction(n) for n in range(3)])
    follower = subprocess.Popen(
        [sys.executable, "-m", "entente_daemon.cli", "events", "--since", "1"],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        assert follower.stdout is not None
        for line in follower.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_for(lambda: len(lines) >= 2, what="the replayed events")
        with daemon.client() as client:
            client.upload_interactions([interaction(10)])
        wait_for(lambda: len(lines) >= 3, what="a live event")
    finally:
        follower.send_signal(signal.SIGINT)
        _, stderr = follower.communicate(timeout=30)
        reader.join(timeout=30)
    assert follower.returncode == 0, stderr
    events = [json.loads(line) for line in lines]
    assert [e["seq"] for e in events] == [2, 3, 4]
    assert {e["kind"] for e in events} == {"interaction.recorded"}
    assert events[-1]["payload"]["path"] == "/castles/10"
    assert all(e["v"] == 1 for e in events)


def test_events_without_a_daemon_says_how_to_start_one(home: Path) -> None:
    done = entente_cli(home, "events")
    assert done.returncode == 2
    assert "no Entente daemon is running" in done.stderr
    assert "entente-daemon start" in done.stderr
