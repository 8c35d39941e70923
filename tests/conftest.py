"""Fixtures every test folder shares."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ENTENTE_HOME for this test (a short name: the daemon's socket lives under it,
    and Unix socket paths are limited to about 100 bytes)."""
    folder = tmp_path / "h"
    monkeypatch.setenv("ENTENTE_HOME", str(folder))
    return folder


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile Entente's own modules to bytecode once, before any test starts a process.

    The suite starts hundreds of Python processes (the CLI, daemons, mocks, examples). Where
    ``PYTHONDONTWRITEBYTECODE`` is set (CI machines often set it) none of them caches its
    compiled modules, so each compiled the whole package from source again: about 0.4 s of
    CPU per process. `compileall` writes the caches explicitly; processes then read them.
    Only the controlling process does it (xdist workers start after it)."""
    if hasattr(session.config, "workerinput"):
        return
    import compileall

    root = Path(__file__).resolve().parents[1]
    for folder in ("entente_daemon", "entente_tui", "examples"):
        compileall.compile_dir(root / folder, quiet=1, workers=1)
