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
