"""The pytest plugin, run in a separate pytest process as a user's suite runs it: the mock
fixtures record with each test's node id and the session's run id; until a test asks for
one of them, none of Entente's machinery is imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from entente_daemon.store import Store
from tests.child_pytest import child_pytest_env

from .conftest import write_project

USES_MOCKS = """
import httpx

def test_list(entente_mocks):
    castle = entente_mocks["castle-service"]
    assert httpx.get(castle.url + "/castles").status_code == 200

def test_same_mock_for_the_session(entente_mock, entente_mocks):
    assert entente_mock("castle-service") is entente_mocks["castle-service"]
    other = entente_mock("castle-service", validate_responses=False)
    assert other is not entente_mocks["castle-service"]
    castle = "/castles/3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
    assert httpx.delete(other.url + castle).status_code == 204
"""

USES_NOTHING = """
import sys

def test_plain():
    heavy = ("entente_daemon.consumer", "entente_daemon.record", "entente_daemon.mock",
             "entente_daemon.store", "entente_daemon.openapi", "uvicorn")
    assert not [m for m in sys.modules if m.startswith(heavy)]
"""


def run_pytest(folder: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTENTE_", "PYTEST_"))}
    env.pop("CI", None)
    env["ENTENTE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=child_pytest_env(env),
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )


def test_the_fixtures_record_under_node_ids_and_cost_nothing_until_used(
    tmp_path: Path, home: Path
) -> None:
    project = write_project(tmp_path / "suite")
    (project / "test_suite.py").write_text(USES_MOCKS, encoding="utf-8")
    (project / "test_a_plain.py").write_text(USES_NOTHING, encoding="utf-8")  # runs first

    done = run_pytest(project, home)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    assert "stored 1 interaction(s)" in done.stdout  # the summary says where they went
    with Store.open(home / "store", readonly=True) as store:
        recorded = store.interactions.list()
    assert sorted((i.test_id, i.operation_id) for i in recorded) == [
        ("test_suite.py::test_list", "listCastles"),
        ("test_suite.py::test_same_mock_for_the_session", "deleteCastle"),
    ]
    [run_id] = {i.run_id for i in recorded}
    assert run_id is not None
    assert len(run_id) == 32
