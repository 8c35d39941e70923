"""The TUI against a real daemon: a temporary home with a running daemon, a copy of the
castle example attached, and helpers to make traffic (the castle client's own tests) and to
wait on what the screen shows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from entente_tui.app import EntenteApp
from tests.daemon.castle_project import CastleProject, castle_project
from tests.daemon.conftest import Daemon


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "h"
    monkeypatch.setenv("ENTENTE_HOME", str(folder))
    return folder


@pytest.fixture
def daemon(home: Path) -> Iterator[Daemon]:
    """A running daemon for this test's home; stopped afterwards."""
    handle = Daemon(home)
    handle.start()
    try:
        yield handle
    finally:
        handle.ensure_gone()


@pytest.fixture
def castle(tmp_path: Path) -> CastleProject:
    """A copy of the castle example (client project + service spec), mock on a free port."""
    return castle_project(tmp_path / "castle")


def run_castle_tests(
    castle: CastleProject, home: Path, *args: str, run_id: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The castle client's own pytest run, recording through the daemon's mock."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CI"))}
    env["ENTENTE_HOME"] = str(home)
    if run_id is not None:
        env["ENTENTE_RUN_ID"] = run_id
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=castle.config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def make_app(castle: CastleProject, home: Path) -> EntenteApp:
    return EntenteApp(castle.config.parent, home=home, start_daemon=False)


async def until(
    pilot: Pilot[None], condition: Callable[[], bool], what: str, within: float = 20.0
) -> None:
    """Let the app run until ``condition`` holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within}s waiting for {what}")
        await pilot.pause(0.05)


async def linked(pilot: Pilot[None]) -> EntenteApp:
    """Wait until the app has linked to the daemon and shows its first screen live."""
    app = pilot.app
    assert isinstance(app, EntenteApp)
    await until(pilot, lambda: app.connection == "live", "the event stream to go live")
    return app
