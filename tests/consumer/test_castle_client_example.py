"""The castle client example's consumer tests, run as a user runs them (``python -m pytest``
in its folder, the plugin loaded by its entry point), record into the active Entente home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from entente_daemon.store import Store
from tests.child_pytest import child_pytest_env

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "castle-client"


def test_the_example_records_each_tests_interactions(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTENTE_", "PYTEST_"))}
    env.pop("CI", None)
    env.update({"ENTENTE_HOME": str(home), "ENTENTE_RUN_ID": "example-run"})

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=EXAMPLE,
        env=child_pytest_env(env),
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout
    with Store.open(home / "store", readonly=True) as store:
        interactions = store.interactions.list(consumer="castle-client")
    by_test = {i.test_id: i for i in interactions}
    prefix = "tests/test_castles.py::"
    assert {
        test: (i.operation_id, i.response.status) for test, i in by_test.items() if test is not None
    } == {
        f"{prefix}test_list_castles": ("listCastles", 200),
        f"{prefix}test_list_castles_in_a_region": ("listCastles", 200),
        f"{prefix}test_get_castle": ("getCastle", 200),
        f"{prefix}test_get_missing_castle": ("getCastle", 404),
        f"{prefix}test_create_castle": ("createCastle", 201),
        f"{prefix}test_delete_castle": ("deleteCastle", 204),
    }
    assert len(interactions) == 6
    assert {i.run_id for i in interactions} == {"example-run"}
    assert {(i.provider, i.provider_version) for i in interactions} == {("castle-service", "1.0.0")}
