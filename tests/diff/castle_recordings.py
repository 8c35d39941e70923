"""The castle client's own tests, run through the castle service's mock, recorded into a
home of their own: real recordings for consumer impact and coverage.

Slow (a pytest run in a subprocess, seconds): `castle_recording` records once per test
process, for the module-scoped fixtures of every module that needs it, into a folder of the
session's temporary tree; a command that reads the store gets a copy in the test's own home
(`copy_store`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
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
    # Only Entente's plugin: the other plugins of this environment (xdist, snapshots,
    # hypothesis...) cost most of the run's time and have nothing to do with it.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    plugin = ["-p", "entente_daemon.pytest_plugin"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin],
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


#: The one recording of this test process: (its home, its contract interactions).
_RECORDED: list[tuple[Path, list[Interaction]]] = []


def castle_recording(factory: pytest.TempPathFactory) -> tuple[Path, list[Interaction]]:
    """The castle client's recording (made on first use): its home and interactions."""
    if not _RECORDED:
        home = factory.mktemp("castle-recording") / "h"
        _RECORDED.append((home, record_castle_client(home)))
    return _RECORDED[0]


def copy_store(recorded_home: Path, home: Path) -> None:
    """The recorded store, copied into ``home`` (a test's own)."""
    shutil.copytree(recorded_home / "store", home / "store")


def castle_document() -> dict[str, Any]:
    """A fresh copy of the castle spec, to edit."""
    loaded = yaml.safe_load(CASTLE_SPEC.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded
