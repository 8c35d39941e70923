"""``entente verify`` and ``entente verifications list`` as a user runs them, against
castle-service running as its own process on 127.0.0.1 (the commands run in this process,
`tests.in_process`, the project's state handlers imported afresh each time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.in_process import Ran
from tests.in_process import entente as entente_in_process
from tests.verify.test_castle_service import SERVICE, START_TIMEOUT, accepts, free_port
from tests.verify.test_runner import record_consumer_run

SPEC = SERVICE / "openapi.yaml"
HANDLERS = """
import os

import httpx

VERSAILLES = {
    "name": "Château de Versailles",
    "region": "Île-de-France",
    "yearBuilt": 1623,
    "description": "Louis XIII's hunting lodge, made a palace by Louis XIV.",
}


def _noop():
    pass


def versailles_exists():
    # The provider runs in another process: make the castle through its API, use its new id.
    created = httpx.post(os.environ["CASTLE_URL"] + "/castles", json=VERSAILLES)
    return {"id": created.json()["id"]}


HANDLERS = {
    "listCastles": _noop,
    "getCastle": versailles_exists,
    "createCastle": _noop,
    "deleteCastle": versailles_exists,
}
"""


class Service:
    """``python -m castle_service`` (a variant of it) in its own process."""

    def __init__(self, variant: str | None, env: dict[str, str]) -> None:
        self.port = free_port()
        extra = ["--variant", variant] if variant else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "castle_service", "--port", str(self.port), *extra],
            cwd=SERVICE,
            env={**env, "PYTHONPATH": str(SERVICE)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while not accepts(self.port):
            try:
                self.process.wait(timeout=0.05)  # the pause between attempts
            except subprocess.TimeoutExpired:
                pass
            else:
                raise AssertionError("castle-service exited early")
            assert time.monotonic() < deadline, "castle-service did not start listening"
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder with a state-handler module, a home with one consumer run recorded, and the
    environment the subprocesses get."""
    home = tmp_path / "home"
    monkeypatch.setenv("ENTENTE_HOME", str(home))
    record_consumer_run()
    work = tmp_path / "work"
    work.mkdir()
    (work / "castle_states.py").write_text(HANDLERS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("ENTENTE_HOME", "PYTHONPATH")}
    env["ENTENTE_HOME"] = str(home)
    return work, env


#: The projects' own packages of state handlers: each command imports them from its project.
PROJECT_PACKAGES = ("castle_states", "castle_service")


def entente(work: Path, env: dict[str, str], *args: str) -> Ran:
    """``entente ARGS`` in the folder ``work``, for the home ``env`` names; the state
    handlers call back the provider at ``CASTLE_URL`` (the base URL among ``args``)."""
    url = next((a for a in args if a.startswith("http://")), "")
    return entente_in_process(
        None,
        *args,
        cwd=work,
        env={"ENTENTE_HOME": env.get("ENTENTE_HOME"), "CASTLE_URL": url, "PYTHONPATH": None},
        fresh=PROJECT_PACKAGES,
    )


def verify_args(url: str, *extra: str) -> list[str]:
    return [
        "verify",
        "--provider",
        "castle-service",
        "--base-url",
        url,
        "--spec",
        str(SPEC),
        "--state-handlers",
        "castle_states:HANDLERS",
        "--provider-version",
        "2.0.0",
        *extra,
    ]


def test_passing_run_json_junit_and_only_new(project: tuple[Path, dict[str, str]]) -> None:
    work, env = project
    with Service(None, env) as url:
        first = entente(work, env, *verify_args(url, "--json", "--junit", "out/junit.xml"))
        again = entente(work, env, *verify_args(url, "--json", "--only-new"))
    assert first.returncode == 0, first.stdout + first.stderr
    report = json.loads(first.stdout)
    assert (report["ok"], report["passed"], report["failed"]) == (True, 4, 0)
    assert (report["stored"], report["fixtures_created"]) == (True, 4)
    junit = ElementTree.parse(work / "out" / "junit.xml").getroot()
    (suite,) = junit.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (
        "castle-client 1.0.0",
        "4",
        "0",
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert (json.loads(again.stdout)["total"], json.loads(again.stdout)["skipped"]) == (0, 4)

    listed = entente(work, env, "verifications", "list", "--provider", "castle-service", "--json")
    assert listed.returncode == 0, listed.stderr
    (stored,) = json.loads(listed.stdout)["verifications"]
    assert (stored["provider_version"], stored["consumer"]) == ("2.0.0", "castle-client")
    table = entente(work, env, "verifications", "list")
    assert "castle-client 1.0.0" in table.stdout
    assert "1 verification(s)" in table.stdout


def test_failing_run_exit_code_and_report(project: tuple[Path, dict[str, str]]) -> None:
    work, env = project
    with Service("type-changed", env) as url:
        shown = entente(work, env, *verify_args(url))
        as_json = entente(work, env, *verify_args(url, "--json"))
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert "FAILED castle-client: GET /castles/" in shown.stdout
    assert "schema_mismatch at $.yearBuilt" in shown.stdout
    assert "expected: " in shown.stdout
    assert "1 passed, 3 failed" in shown.stdout
    assert as_json.returncode == 1
    failures = json.loads(as_json.stdout)["failures"]
    get = next(f for f in failures if f["operation_id"] == "getCastle")
    assert (get["error_kind"], get["path"]) == ("schema_mismatch", "$.yearBuilt")
    assert {(m["kind"], m["path"]) for m in get["mismatches"]} == {
        ("schema_mismatch", "$.yearBuilt"),
        ("structure_mismatch", "$.yearBuilt"),
    }


def test_errors_exit_2(project: tuple[Path, dict[str, str]]) -> None:
    work, env = project
    nameless = entente(work, env, "verify", "--base-url", "http://127.0.0.1:1")
    bad_handlers = entente(
        work,
        env,
        "verify",
        "--provider",
        "castle-service",
        "--spec",
        str(SPEC),
        "--base-url",
        "http://127.0.0.1:1",
        "--state-handlers",
        "castle_states:NOPE",
    )
    assert nameless.returncode == 2
    assert "error: no --provider given" in nameless.stderr
    assert bad_handlers.returncode == 2
    assert "castle_states has no 'NOPE'" in bad_handlers.stderr
