"""Verifications the daemon starts (``POST /v1/verify``): ``entente verify`` run as a
subprocess in the provider's project, against the real castle-service in its own process,
reporting live like any run. Bad requests are refused with a clear 400; a verification
process that dies is noticed and its run finished with the error and the log's tail."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from entente_daemon.client import DaemonClient, DaemonRequestError
from entente_daemon.client.runtime import pid_alive
from entente_daemon.client.wire import VerificationRun
from entente_daemon.model import Event
from tests.verify.test_castle_service import SERVICE
from tests.verify.test_runner import record_consumer_run
from tests.verify.test_verify_cli import Service

from .castle_project import castle_project, is_event, last_seq, run_castle_tests, wait_for_event
from .conftest import Daemon, env_for, wait_for

VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
CRASHING = """
import os
import sys


def crash():
    print("crashing on purpose", flush=True)
    os._exit(3)


HANDLERS = {op: crash for op in ("listCastles", "getCastle", "createCastle", "deleteCastle")}
"""


def finished_run(client: DaemonClient, since: int, run_id: str) -> tuple[VerificationRun, Event]:
    event = wait_for_event(
        client,
        since,
        is_event("verification.finished", id=run_id),
        timeout=60,
        what=f"the end of verification run {run_id}",
    )
    return VerificationRun.model_validate(event.payload), event


def run_kinds(client: DaemonClient, since: int, run_id: str) -> list[str]:
    page = client.events_since(since, 1000)
    return [str(e.kind) for e in page.events if e.payload.get("id") == run_id]


@pytest.fixture
def listening() -> Iterator[str]:
    """The URL of a socket that accepts connections and never answers: `entente verify`
    finds something listening there (it checks before replaying), for handlers that crash
    or hang before any request."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def provider_project(root: Path, *, base_url: str | None, handlers: str | None) -> Path:
    """A castle-service provider project of its own (with a state-handler module)."""
    root.mkdir()
    shutil.copyfile(SERVICE / "openapi.yaml", root / "openapi.yaml")
    lines = ['service = "castle-service"', 'version = "3.0.0"', "", "[provider]"]
    lines.append('spec = "openapi.yaml"')
    if base_url is not None:
        lines.append(f'base_url = "{base_url}"')
    if handlers is not None:
        lines.append(f'state_handlers = "{handlers}"')
    (root / "entente.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_the_daemon_verifies_the_castle_example(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    consumer = castle_project(tmp_path)
    tests = run_castle_tests(consumer.config.parent, daemon.home)  # records through the daemon
    assert tests.returncode == 0, tests.stdout + tests.stderr
    env = env_for(daemon.home)
    with daemon.client() as client:
        since = last_seq(client)
        with Service(None, env) as url:
            launch = client.start_verification(SERVICE, base_url=url)
            assert (launch.provider, launch.base_url) == ("castle-service", url)
            run, _ = finished_run(client, since, launch.run_id)
        log = Path(launch.log).read_text(encoding="utf-8")
        assert run.state == "passed", log
        assert (run.total, run.passed, run.failed) == (6, 6, 0)
        assert (run.provider_version, run.project) == ("1.0.0", str(SERVICE / "entente.toml"))
        assert "6 passed, 0 failed" in log
        kinds = run_kinds(client, since, launch.run_id)
        assert kinds[0] == "verification.started"
        assert kinds[-1] == "verification.finished"
        assert "verification.progress" in kinds
        listed = client.verification_run(launch.run_id)
        assert listed is not None
        assert (listed.state, listed.pid, listed.log) == ("passed", launch.pid, launch.log)
        [stored] = client.verifications(provider="castle-service")
        assert stored.id in run.verifications
        drafts = client.fixtures(provider="castle-service")
        assert len(drafts) == run.fixtures_created > 0

        # A build that breaks the contract: the failures come with the finished event.
        since = last_seq(client)
        with Service("type-changed", env) as url:
            launch = client.start_verification(SERVICE, base_url=url)
            failing, _ = finished_run(client, since, launch.run_id)
    assert failing.state == "failed"
    assert (failing.passed, failing.failed) == (2, 4)  # the 404 and the delete still pass
    assert failing.failures_total == len(failing.failures) == 4
    get = next(f for f in failing.failures if f.request == f"GET /castles/{VERSAILLES}")
    assert (get.kind, get.path, get.consumer) == ("schema_mismatch", "$.yearBuilt", "castle-client")
    assert get.actual == "1623"


def test_bad_requests_get_a_clear_400(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    consumer = castle_project(tmp_path / "consumer")
    no_url = provider_project(tmp_path / "no-url", base_url=None, handlers=None)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "entente.toml").write_text('service = "x"\n[provider]\nspec = "nope.yaml"\n')
    cases = [
        ({"project": "relative/path"}, "the path must be absolute"),
        ({"project": str(tmp_path / "missing")}, "no such folder or file"),
        ({"project": str(consumer.config)}, "no [provider] table"),
        ({"project": str(broken)}, "spec file not found: nope.yaml"),
        ({"project": str(no_url)}, "sets no [provider] base_url"),
        ({"project": str(no_url), "base_url": "ftp://127.0.0.1/"}, "not an http:// or https://"),
        ({"project": str(SERVICE), "on_missing": "skip"}, "verify.on_missing"),
        ({"project": str(SERVICE), "state_handlers": "no-colon"}, "module:attribute"),
        ({"project": str(SERVICE), "bogus": 1}, "verify.bogus"),
        ({}, "verify.project"),
    ]
    with daemon.http() as http:
        for body, message in cases:
            answer = http.post("/v1/verify", json=body)
            assert answer.status_code == 400, (body, answer.text)
            assert message in answer.json()["error"], (body, answer.json())
    with daemon.client() as client, pytest.raises(DaemonRequestError) as refused:
        client.start_verification(no_url)
    assert refused.value.status == 400
    assert str(no_url / "entente.toml") in refused.value.message


def test_a_crashing_verification_is_finished_with_its_error(
    daemon: Daemon, tmp_path: Path, listening: str
) -> None:
    daemon.start()
    record_consumer_run()  # four interactions to verify
    crashing = provider_project(
        tmp_path / "crashing", base_url=listening, handlers="crashing_states:HANDLERS"
    )
    (crashing / "crashing_states.py").write_text(CRASHING, encoding="utf-8")
    unimportable = provider_project(
        tmp_path / "unimportable", base_url=listening, handlers="nowhere:HANDLERS"
    )
    with daemon.client() as client:
        since = last_seq(client)
        launch = client.start_verification(crashing)
        run, _ = finished_run(client, since, launch.run_id)
        assert run.state == "error"
        assert run.error is not None
        assert "exited with code 3 before it finished" in run.error
        assert run.log_tail is not None
        assert "crashing on purpose" in run.log_tail
        assert (run.total, run.provider_version) == (4, "3.0.0")  # it had opened its run
        assert run_kinds(client, since, launch.run_id) == [
            "verification.started",
            "verification.finished",
        ]

        # dead before it could open its run: announced, then finished, all the same
        since = last_seq(client)
        launch = client.start_verification(unimportable)
        run, _ = finished_run(client, since, launch.run_id)
        assert run.state == "error"
        assert "exited with code 2" in (run.error or "")
        assert "cannot import 'nowhere'" in (run.log_tail or "")
        kinds = run_kinds(client, since, launch.run_id)
        assert kinds == ["verification.started", "verification.finished"]
        assert client.verifications() == []
        assert client.health().ok


HANGING = """
import time


def hang():
    time.sleep(600)  # until the daemon stops it


HANDLERS = {op: hang for op in ("listCastles", "getCastle", "createCastle", "deleteCastle")}
"""


def test_stopping_the_daemon_stops_its_verifications(
    daemon: Daemon, tmp_path: Path, listening: str
) -> None:
    daemon.start()
    record_consumer_run()
    hanging = provider_project(
        tmp_path / "hanging", base_url=listening, handlers="hanging_states:HANDLERS"
    )
    (hanging / "hanging_states.py").write_text(HANGING, encoding="utf-8")
    with daemon.client() as client:
        since = last_seq(client)
        launch = client.start_verification(hanging)
        wait_for_event(client, since, is_event("verification.started", id=launch.run_id))
    assert pid_alive(launch.pid)
    daemon.stop()
    wait_for(lambda: not pid_alive(launch.pid), what="the verification process to end")
