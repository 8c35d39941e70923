"""Where Entente keeps its state on this workstation: one home per user, shared by projects."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "ENTENTE_HOME"


def entente_home() -> Path:
    """``$ENTENTE_HOME`` when set, else the user's data folder (``~/.local/share/entente``)."""
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser().resolve()
    return platformdirs.user_data_path("entente", appauthor=False)


def store_dir(home: Path | None = None) -> Path:
    return (home or entente_home()) / "store"


def run_dir(home: Path | None = None) -> Path:
    return (home or entente_home()) / "run"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it readable by its owner only (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path
