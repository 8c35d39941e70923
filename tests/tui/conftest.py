"""The TUI against a real daemon: a temporary home with a running daemon, a copy of the
castle example attached, and helpers to make traffic (the castle client's own tests) and to
wait on what the screen shows."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from entente_tui.app import EntenteApp
from tests.daemon.castle_project import CastleProject, castle_project
from tests.daemon.castle_project import run_castle_tests as run_project_tests
from tests.daemon.conftest import Daemon


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
    return run_project_tests(castle.config.parent, home, *args, run_id=run_id)


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
