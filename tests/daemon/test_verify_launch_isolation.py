"""A verification the daemon starts runs no code from the project folder but the state
handlers configured: a module there named like one of the standard library's (``json.py``)
is not imported in its place, with or without state handlers. And one verification per
project at a time: a second request while one runs gets 409 naming the running one."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from entente_daemon.client import DaemonRequestError
from entente_daemon.client.runtime import pid_alive
from entente_daemon.client.wire import VerificationLaunch
from tests.verify.test_runner import record_consumer_run

from .castle_project import is_event, last_seq, wait_for_event
from .conftest import Daemon, wait_for
from .test_verify_launch import HANGING, finished_run, listening, provider_project

__all__ = ["listening"]  # the fixture, used by name

SHADOWING = """
from pathlib import Path

Path(__file__).with_name("json-was-imported").write_text("the project's json.py ran")
"""
STATES = """
from pathlib import Path

Path(__file__).with_name("states-were-imported").write_text("yes")
HANDLERS = {}
"""


@pytest.mark.parametrize(
    ("handlers", "python_path"),
    [
        (None, None),
        ("castle_states:HANDLERS", None),
        (None, os.pathsep + "."),  # empty and relative entries: the working directory
    ],
)
def test_a_json_py_in_the_project_is_not_imported(
    daemon: Daemon,
    tmp_path: Path,
    listening: str,
    handlers: str | None,
    python_path: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if python_path is not None:
        monkeypatch.setenv("PYTHONPATH", python_path)  # the daemon's environment
    daemon.start()
    project = provider_project(tmp_path / "provider", base_url=listening, handlers=handlers)
    (project / "json.py").write_text(SHADOWING, encoding="utf-8")
    (project / "castle_states.py").write_text(STATES, encoding="utf-8")
    with daemon.client() as client:
        since = last_seq(client)
        launch = client.start_verification(project)
        run, _ = finished_run(client, since, launch.run_id)
    log = Path(launch.log).read_text(encoding="utf-8")
    assert run.state == "passed", log  # nothing recorded: nothing to fail
    assert not (project / "json-was-imported").exists(), "the project's json.py was run"
    # The configured handlers are still imported from the project folder.
    assert (project / "states-were-imported").exists() == (handlers is not None), log


def test_one_verification_per_project_at_a_time(
    daemon: Daemon, tmp_path: Path, listening: str
) -> None:
    daemon.start()
    record_consumer_run()  # something to verify: the handlers hang on the first
    project = provider_project(
        tmp_path / "hanging", base_url=listening, handlers="hanging_states:HANDLERS"
    )
    (project / "hanging_states.py").write_text(HANGING, encoding="utf-8")

    def start() -> VerificationLaunch | DaemonRequestError:
        with daemon.client() as client:
            try:
                return client.start_verification(project)
            except DaemonRequestError as exc:
                return exc

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: start(), range(5)))
    [launch] = [a for a in answers if isinstance(a, VerificationLaunch)]
    refusals = [a for a in answers if isinstance(a, DaemonRequestError)]
    assert len(refusals) == 4
    for refused in refusals:
        assert refused.status == 409
        assert launch.run_id in refused.message
        assert "already running" in refused.message
    with daemon.client() as client:
        runs = [r for r in client.verification_runs() if r.project == launch.project]
        assert [r.id for r in runs] == [launch.run_id], "only one run was started"
        since = last_seq(client)
        wait_for_event(client, 0, is_event("verification.started", id=launch.run_id))
        os.kill(launch.pid, signal.SIGTERM)  # the process the daemon started for this test
        finished_run(client, since, launch.run_id)
        wait_for(lambda: not pid_alive(launch.pid), what="the verification process to end")
        # Once it ended, the project can be verified again.
        again = client.start_verification(project)
        assert again.run_id != launch.run_id
