"""Test runs reach the daemon: the pytest plugin's events, JUnit reports of watched projects,
and projects attaching themselves. Real daemons, real pytest subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from entente_daemon.daemon.services.junit import JunitError, parse_junit, read_junit
from entente_daemon.model import Event

from .castle_project import (
    castle_project,
    is_event,
    last_seq,
    run_castle_tests,
    wait_for_event,
    write_atomically,
)
from .conftest import Daemon, wait_for

RUN_ID = "run-castle-1"
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testsuite name="castles" tests="3">
    <testcase classname="castles.Api" name="lists" time="0.25"/>
    <testcase classname="castles.Api" name="breaks" time="0.5"><failure message="no"/></testcase>
    <testcase classname="castles.Api" name="later"><skipped/></testcase>
  </testsuite>
</testsuites>
"""


def all_events(daemon: Daemon) -> list[Event]:
    events: list[Event] = []
    with daemon.client() as client:
        while True:
            page = client.events_since(events[-1].seq if events else 0, 500)
            if not page.events:
                return events
            events += page.events


def test_pytest_session_is_reported(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    project = castle_project(tmp_path)
    result = run_castle_tests(project.config.parent, daemon.home, run_id=RUN_ID)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not reported" not in result.stdout

    with daemon.client() as client:
        finished = wait_for_event(
            client, 0, is_event("test_run.finished", run_id=RUN_ID), what="the run's end"
        )
        assert finished.payload["counts"] == {"passed": 6, "failed": 0, "skipped": 0, "error": 0}
        assert finished.payload["project"] == str(project.config)
        mine = [e for e in all_events(daemon) if e.payload.get("run_id") == RUN_ID]
        kinds = [str(e.kind) for e in mine]
        assert kinds[0] == "test_run.started"
        assert kinds[-1] == "test_run.finished"
        started = {e.payload["test_id"] for e in mine if e.kind == "test.started"}
        outcomes = {
            e.payload["test_id"]: e.payload["outcome"] for e in mine if e.kind == "test.finished"
        }
        assert len(started) == 6
        assert set(outcomes) == started
        assert set(outcomes.values()) == {"passed"}
        assert "tests/test_castles.py::test_get_castle" in started

        # the project attached itself; its interactions carry the tests' node ids
        assert str(project.config) in [p.config for p in client.projects()]
        page = client.interactions(run=RUN_ID, limit=100)
        assert page.items, "the session recorded nothing"
        assert {i.test_id for i in page.items} <= started
        assert "tests/test_castles.py::test_get_castle" in {i.test_id for i in page.items}

    with daemon.http() as http:
        runs = http.get("/v1/test-runs").json()["runs"]
        run = next(r for r in runs if r["run_id"] == RUN_ID)
        assert run["state"] == "finished"
        assert run["counts"]["passed"] == 6
        bad = http.post("/v1/test-runs/events", json={"kind": "test.exploded", "run_id": "r"})
        assert bad.status_code == 400
        assert "kind" in bad.json()["error"]


def test_no_daemon_changes_nothing(home: Path, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    result = run_castle_tests(project.config.parent, home, run_id=RUN_ID)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout
    assert "warning" not in result.stdout.lower()
    assert not (home / "run").exists() or not any((home / "run").iterdir())


def test_junit_reports_are_watched(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    project = castle_project(tmp_path)
    reports = project.config.parent / "reports"
    reports.mkdir()
    with project.config.open("a", encoding="utf-8") as config:
        config.write('\n[tests]\njunit = "reports/junit.xml"\n')
    report = reports / "junit.xml"
    with daemon.client() as client:
        client.attach_project(project.config)
        write_atomically(report, JUNIT)
        finished = wait_for_event(
            client, 0, is_event("test_run.finished", source="junit"), what="the JUnit run"
        )
        assert finished.payload["counts"] == {"passed": 1, "failed": 1, "skipped": 1, "error": 0}
        cases = {
            e.payload["test_id"]: e.payload["outcome"]
            for e in all_events(daemon)
            if e.kind == "test.finished" and e.payload["run_id"] == finished.payload["run_id"]
        }
        assert cases == {
            "castles.Api::lists": "passed",
            "castles.Api::breaks": "failed",
            "castles.Api::later": "skipped",
        }

        seq = finished.seq
        write_atomically(report, '<testsuite>\n<testcase name="a">\n</testsuite>\n')
        alert = wait_for_event(client, seq, is_event("spec.error", event="junit.error"))
        assert alert.payload["file"] == str(report.resolve())
        assert alert.payload["line"] == 3
        assert any(a.payload.get("event") == "junit.error" for a in client.alerts())
        assert client.health().ok  # still serving


def test_a_report_added_by_a_config_edit_is_watched(daemon: Daemon, tmp_path: Path) -> None:
    """The registry watches the config file; the edit reaches the test-run service through
    "project changed", and the one watcher then watches config, spec and report alike."""
    daemon.start()
    project = castle_project(tmp_path)
    report = project.config.parent / "junit.xml"
    with daemon.client() as client:
        client.attach_project(project.config)
        since = last_seq(client)
        text = project.config.read_text(encoding="utf-8")
        write_atomically(project.config, text + '\n[tests]\njunit = "junit.xml"\n')
        wait_for_event(client, since, is_event("project.attached"), what="the re-read config")
        files = {str(f.resolve()) for f in (project.config, project.spec, report)}
        wait_for(lambda: files <= set(client.status().watching), what="the report watched")
        write_atomically(report, JUNIT)
        finished = wait_for_event(
            client, since, is_event("test_run.finished", source="junit"), what="the JUnit run"
        )
        assert finished.payload["counts"] == {"passed": 1, "failed": 1, "skipped": 1, "error": 0}


def test_cli_command_attaches_the_project(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    project = castle_project(tmp_path)
    env = {**os.environ, "ENTENTE_HOME": str(daemon.home)}
    result = subprocess.run(
        [sys.executable, "-m", "entente_daemon.cli", "config", "show"],
        cwd=project.config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with daemon.client() as client:
        wait_for(
            lambda: str(project.config) in [p.config for p in client.projects()],
            what="the project to be attached",
        )


def test_junit_parsing_refuses_what_it_should(tmp_path: Path) -> None:
    file = tmp_path / "junit.xml"
    with pytest.raises(JunitError, match="document type"):
        parse_junit(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><testsuite/>', file)
    with pytest.raises(JunitError, match="not a JUnit report"):
        parse_junit(b"<html/>", file)
    file.write_bytes(b"<testsuite>" + b" " * 100 + b"</testsuite>")
    with pytest.raises(JunitError, match="larger than 50 bytes"):
        read_junit(file, max_bytes=50)
    report = parse_junit(JUNIT.encode(), file)
    assert report.counts == {"passed": 1, "failed": 1, "skipped": 1, "error": 0}
    assert report.cases[0].duration_s == 0.25
