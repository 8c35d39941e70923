"""The castle client's own tests, run through the castle service's mock, recorded into a
home of their own: real recordings for consumer impact and coverage.

Slow (a pytest run in a subprocess): record once per test module (a module-scoped fixture)
and copy the store into each test's home when a command needs to read it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from entente_daemon.model import Interaction
from entente_daemon.records.contracts import contract_interactions
from entente_daemon.store import Store

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "examples" / "castle-client"
CASTLE_SPEC = ROOT / "examples" / "castle-service" / "openapi.yaml"
PROVIDER = "castle-service"
PREFIX = "tests/test_castles.py::"


def record_castle_client(home: Path) -> list[Interaction]:
    """Run the castle client's tests with ``home`` as the Entente home; their contract
    interactions."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTENTE_", "PYTEST_"))}
    env.pop("CI", None)
    env.update({"ENTENTE_HOME": str(home), "ENTENTE_RUN_ID": "impact-run"})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=CLIENT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with Store.open(home / "store", readonly=True) as store:
        recorded = store.interactions.list(consumer="castle-client")
    return contract_interactions(recorded)


def copy_store(recorded_home: Path, home: Path) -> None:
    """The recorded store, copied into ``home`` (a test's own)."""
    shutil.copytree(recorded_home / "store", home / "store")


def castle_document() -> dict[str, Any]:
    """A fresh copy of the castle spec, to edit."""
    loaded = yaml.safe_load(CASTLE_SPEC.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded
