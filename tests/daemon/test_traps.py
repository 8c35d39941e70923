"""The traps of a new user's first hour, through the real CLI and daemon (issue 12): the
daemon attaches the project it is started in, keeps a project's mock on the port it got,
gives a file setting's advice for a file setting's port, and ``entente mock`` cooperates
with a running daemon (its mock of the same spec, its store)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .castle_project import castle_project
from .conftest import Daemon, env_for


def daemon_cli_in(
    home: Path, cwd: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``entente-daemon ARGS`` run in the folder ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "entente_daemon.cli.daemon_main", *args],
        cwd=cwd,
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_daemon_start_in_a_project_attaches_it_and_says_so(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    project = castle_project(tmp_path / "p")
    done = daemon_cli_in(home, project.config.parent, "start")
    assert done.returncode == 0, done.stderr
    assert "started the Entente daemon" in done.stdout
    assert f"attached the project castle-client ({project.config})" in done.stdout
    assert f"mock of castle-service: {project.url}" in done.stdout
    with daemon.client() as client:
        assert [p.config for p in client.projects()] == [str(project.config)]
        [mock] = client.mocks()
    assert mock.url == project.url

    again = daemon_cli_in(home, project.config.parent, "start")  # already running: attaches
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout
    assert "attached the project castle-client" in again.stdout


def test_daemon_start_outside_a_project_attaches_nothing(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    done = daemon_cli_in(home, tmp_path, "start")
    assert done.returncode == 0, done.stderr
    assert "attached" not in done.stdout
    with daemon.client() as client:
        assert client.projects() == []
