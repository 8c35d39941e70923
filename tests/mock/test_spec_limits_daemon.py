"""A spec cannot hang the daemon: an alias bomb saved over a served spec is a ``spec.error``
(the mock keeps its last good spec, the control API keeps answering) and SIGTERM still stops
the daemon; the stop deadline ends a process whose shutdown hangs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from entente_daemon.client.runtime import lock_held, lock_holder_pid
from entente_daemon.model import EventKind
from tests.daemon.castle_project import castle_project, is_event, last_seq, wait_for_event
from tests.daemon.conftest import Daemon, daemon_cli, wait_for
from tests.mock.spec_bombs import alias_bomb, anchor_line


@pytest.fixture
def daemon(home: Path) -> Iterator[Daemon]:
    handle = Daemon(home)
    try:
        yield handle
    finally:
        handle.ensure_gone()


def gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie waiting for its parent counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def test_an_alias_bomb_is_a_spec_error_and_the_daemon_still_answers_and_stops(
    daemon: Daemon, tmp_path: Path
) -> None:
    project = castle_project(tmp_path)
    daemon.start()
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")
        since = last_seq(client)
        project.write_spec(alias_bomb())
        error = wait_for_event(
            client, since, is_event(EventKind.SPEC_ERROR), timeout=60, what="spec.error"
        )
        assert error.payload["file"] == str(project.spec)
        assert error.payload["line"] == anchor_line(5)
        assert "billion laughs" in error.payload["message"]
        # The mock keeps serving its last good spec; the control API answers.
        assert httpx.get(f"{project.url}/castles", timeout=30).status_code == 200
        assert [m.state for m in client.mocks()] == ["running"]
    status = daemon_cli(daemon.home, "status", timeout=60)
    assert status.returncode == 0, status.stdout + status.stderr

    pid = lock_holder_pid(daemon.paths)
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: gone(pid) and not lock_held(daemon.paths), 60, "the daemon to exit")
    log = daemon.paths.log.read_text(encoding="utf-8")
    assert "stopping (SIGTERM); the process ends in 10 s" in log
    assert "Entente daemon stopped" in log


HANGING_SHUTDOWN = """
import logging, signal, sys, threading
from pathlib import Path
from entente_daemon.daemon.process.stopping import StopDeadline

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
deadline = StopDeadline(float(sys.argv[1]), Path(sys.argv[2]))
deadline.install([signal.SIGTERM], lambda name: print("graceful stop begins", flush=True))
print("ready", flush=True)
threading.Event().wait()  # a graceful stop that never finishes
"""


def start_hanging(deadline: float, dump: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HANGING_SHUTDOWN, str(deadline), str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def test_the_stop_deadline_ends_a_process_whose_shutdown_hangs(tmp_path: Path) -> None:
    dump = tmp_path / "daemon.log"
    process = start_hanging(1.0, dump)
    try:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1
    assert "stopping (SIGTERM); the process ends in 1 s" in output
    assert "graceful stop begins" in output
    written = dump.read_text(encoding="utf-8")
    assert "Timeout (0:00:01)!" in written  # what was stuck, every thread's stack
    assert "threading.py" in written


def test_a_second_stop_signal_ends_the_process_at_once(tmp_path: Path) -> None:
    process = start_hanging(3600.0, tmp_path / "daemon.log")
    try:
        process.send_signal(signal.SIGTERM)
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while "graceful stop begins" not in process.stdout.readline():
            assert time.monotonic() < deadline, "the first SIGTERM was not handled"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1
    assert "SIGTERM again while stopping: ending the process now" in output
