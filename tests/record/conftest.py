"""Recording tests: each gets its own Entente home, so nothing touches the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def entente_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "entente-home"
    monkeypatch.setenv("ENTENTE_HOME", str(home))
    monkeypatch.delenv("CI", raising=False)
    return home
