"""Starting, finding, stopping the daemon: one per home, stale files recognised, modes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from entente_daemon.client import DaemonClient, DaemonVersionMismatch, daemon_running
from entente_daemon.client.runtime import lock_holder_pid

from .conftest import Daemon, daemon_cli, env_for, interaction


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_start_status_stop(home: Path, daemon: Daemon) -> None:
    started = daemon_cli(home, "start")
    assert started.returncode == 0, started.stderr
    assert "started the Entente daemon" in started.stdout
    pid = daemon.info.pid
    assert lock_holder_pid(daemon.paths) == pid
    assert daemon_running(home)

    with daemon.client() as client:
        client.upload_interactions([interaction(1), interaction(2)])

    status = daemon_cli(home, "status")
    assert status.returncode == 0, status.stderr
    assert f"running (pid {pid}" in status.stdout
    assert "interactions 2" in status.stdout
    assert "broker:   not configured" in status.stdout
    assert "projects: none" in status.stdout

    as_json = json.loads(daemon_cli(home, "status", "--json").stdout)
    assert as_json["running"] is True
    assert as_json["pid"] == pid
    assert as_json["store"]["records"]["interactions"] == 2
    assert as_json["broker"]["state"] == "not configured"
    assert as_json["projects"] == []
    assert as_json["mocks"] == []

    stopped = daemon_cli(home, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert f"stopped the Entente daemon (pid {pid})" in stopped.stdout
    assert not daemon_running(home)
    assert not any(p.exists() for p in (daemon.paths.info, daemon.paths.socket, daemon.paths.pid))
    log = (home / "daemon.log").read_text()
    assert "stopping (SIGTERM)" in log
    assert "store flushed and closed" in log

    after = daemon_cli(home, "status")
    assert after.returncode == 3
    assert "no Entente daemon is running" in after.stdout
    assert "no Entente daemon is running" in daemon_cli(home, "stop").stdout

    logs = daemon_cli(home, "logs", "-n", "3")
    assert logs.returncode == 0
    assert len(logs.stdout.splitlines()) == 3
    assert "Entente daemon stopped" in logs.stdout


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon for the tests that only look at a running daemon."""
    handle = Daemon(tmp_path_factory.mktemp("running") / "h")
    handle.start()
    try:
        yield handle
    finally:
        handle.ensure_gone()


def test_a_second_start_finds_the_running_daemon(running: Daemon) -> None:
    daemon, home, first = running, running.home, running.info
    second = daemon_cli(home, "start")
    assert second.returncode == 0, second.stderr
    assert f"already running (pid {first.pid}" in second.stdout
    assert daemon.info.pid == first.pid
    assert lock_holder_pid(daemon.paths) == first.pid


def test_racing_starts_make_one_daemon(home: Path, daemon: Daemon) -> None:
    command = [sys.executable, "-m", "entente_daemon.cli.daemon_main", "start"]
    racers = [
        subprocess.Popen(
            command, env=env_for(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [racer.communicate(timeout=60) for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0, 0], outputs
    pid = daemon.info.pid
    for stdout, _ in outputs:
        assert f"(pid {pid}," in stdout, outputs
    assert sum("started the Entente daemon" in stdout for stdout, _ in outputs) == 1, outputs
    assert lock_holder_pid(daemon.paths) == pid


def test_a_killed_daemon_leaves_stale_files_that_start_cleans(home: Path, daemon: Daemon) -> None:
    first = daemon.start()
    daemon.kill()
    assert daemon.paths.info.exists()
    assert daemon.paths.socket.exists()
    assert not daemon_running(home)
    assert DaemonClient.discover(home) is None

    started = daemon_cli(home, "start")
    assert started.returncode == 0, started.stderr
    assert "removed the files of a daemon that had died" in started.stdout
    assert "started the Entente daemon" in started.stdout
    assert daemon.info.pid != first.pid
    assert daemon_running(home)


def test_files_are_private(home: Path, daemon: Daemon) -> None:
    daemon.start(tcp=True)
    paths = daemon.paths
    assert mode(paths.run) == 0o700
    assert stat.S_ISSOCK(os.stat(paths.socket).st_mode)
    assert mode(paths.socket) == 0o600
    for file in (paths.info, paths.pid, paths.token, paths.lock, paths.log):
        assert mode(file) == 0o600, file


@pytest.mark.parametrize("folder_mode", [0o777, 0o770])
def test_refuses_a_run_folder_others_may_write(home: Path, folder_mode: int) -> None:
    run = home / "run"
    run.mkdir(parents=True)
    run.chmod(folder_mode)
    done = daemon_cli(home, "run")
    assert done.returncode == 2
    assert f"{run}: is writable by group or others" in done.stderr
    assert not (run / "daemon.sock").exists()


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a folder to another user")
def test_refuses_a_run_folder_of_another_user(home: Path) -> None:
    run = home / "run"
    run.mkdir(parents=True, mode=0o700)
    os.chown(run, 65534, -1)
    done = daemon_cli(home, "start", "--timeout", "10")
    assert done.returncode == 2
    assert "is owned by user id 65534" in done.stderr


def test_version_mismatch_is_explained(running: Daemon) -> None:
    home, info, file = running.home, running.info, running.paths.info
    original = file.read_text()
    file.write_text(json.dumps({**json.loads(original), "version": "0.0.1"}))
    try:
        with pytest.raises(DaemonVersionMismatch, match=r"is version 0\.0\.1, but this client"):
            DaemonClient.discover(home)
        done = daemon_cli(home, "status")
    finally:
        file.write_text(original)
    assert done.returncode == 2
    assert f"(pid {info.pid}) is version 0.0.1" in done.stderr
    assert "entente-daemon stop && entente-daemon start" in done.stderr


def test_run_refuses_a_second_daemon_for_the_same_home(running: Daemon) -> None:
    daemon, home, info = running, running.home, running.info
    done = daemon_cli(home, "run")
    assert done.returncode == 1
    assert f"an Entente daemon is already running for {home} (pid {info.pid}" in done.stderr
    assert daemon_running(home)
    assert daemon.info.pid == info.pid


def test_the_client_package_stays_light() -> None:
    """The TUI imports the client: it must not drag in the store, the watcher or the server."""
    probe = (
        "import sys, entente_daemon.client.aio, entente_daemon.client.sync; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "httpx" in loaded
    assert loaded.isdisjoint({"tinydb", "watchfiles", "uvicorn", "prance", "textual"})
