"""A full disk: the daemon acknowledges only what is durable. Its store's files are limited
to a few hundred kilobytes (``RLIMIT_FSIZE``: writes past it fail with ``EFBIG``, as on a
full disk), a client records well past that, then the daemon is killed with ``kill -9``:
every interaction it answered 200 for is in the store; the rest were answered 503, and the
status and the alerts say that the store cannot write."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from entente_daemon.client.runtime import read_runtime_info
from entente_daemon.store import Store

from .conftest import Daemon, env_for, interaction, wait_for

FILE_LIMIT = 200_000  # bytes any file of the daemon may reach: some 180 interactions' worth
BATCH = 20
BATCHES = 40  # 800 interactions: far past the limit


def _limit_files() -> None:  # runs in the daemon's process, before it starts
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, no signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


@pytest.fixture
def small_disk_daemon(home: Path, tmp_path: Path) -> Iterator[Daemon]:
    """A daemon (``entente-daemon run``) whose files cannot grow past ``FILE_LIMIT``."""
    handle = Daemon(home)
    with (tmp_path / "daemon.out").open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "entente_daemon.cli.daemon_main", "run"],
            env=env_for(home),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_limit_files,
        )
    try:

        def answers() -> bool:
            if read_runtime_info(handle.paths) is None:
                return False
            try:
                with handle.client() as client:
                    client.status()
            except Exception:
                return False
            return True

        wait_for(answers, timeout=30, what="the daemon to answer")
        yield handle
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_a_full_disk_then_kill_9_loses_nothing_acknowledged(small_disk_daemon: Daemon) -> None:
    daemon = small_disk_daemon
    acknowledged: list[str] = []
    refused = 0
    status_said_so = False
    with daemon.http() as http:
        for number in range(BATCHES):
            # each from a test of its own: the store's bound per bucket samples none out
            batch = [
                interaction(number * BATCH + n, test_id=f"t::{number * BATCH + n}")
                for n in range(BATCH)
            ]
            answer = http.post(
                "/v1/interactions", json={"interactions": [i.to_json() for i in batch]}
            )
            if answer.status_code == 200:
                acknowledged += answer.json()["ids"]
            else:
                assert answer.status_code == 503, answer.text
                assert "cannot write" in answer.json()["error"]
                refused += 1
                # The status says so while it lasts (a snapshot may end it soon after: the
                # store's files are each under the size limit again once rewritten).
                status_said_so = status_said_so or bool(_status(http)["store"]["error"])

        assert status_said_so, "the status never said the store cannot write"
        alerts = http.get("/v1/alerts").json()
    assert any(a["kind"] == "store.error" for a in _events(alerts)), alerts

    daemon.kill()
    with Store.open(daemon.paths.store, readonly=True) as store:
        stored = set(store.interactions.ids())
    missing = [i for i in acknowledged if i not in stored]
    assert not missing, (
        f"{len(missing)} of {len(acknowledged)} acknowledged interactions lost "
        f"({refused} batches refused)"
    )
    assert refused, "the disk never filled up: nothing was refused"
    assert acknowledged, "nothing was acknowledged before the disk filled up"


def _status(http: httpx.Client) -> dict[str, Any]:
    answer = http.get("/v1/status")
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def _events(alerts: object) -> list[dict[str, object]]:
    if isinstance(alerts, dict):
        alerts = alerts.get("events", alerts.get("alerts", []))
    assert isinstance(alerts, list)
    return [a for a in alerts if isinstance(a, dict)]
