"""Test runs reaching the daemon: events reported by the pytest plugin (or any runner) through
``POST /v1/test-runs/events``, and JUnit XML reports of the attached projects' ``[tests]
junit`` files, watched and read whenever they change.

Each reported event is published on the bus as its `EventKind`; the current run of each
project (and its counts) is kept in memory for ``GET /v1/test-runs``. A report that cannot be
read raises an alert naming the file (and line); nothing here stops the daemon.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from entente_daemon.client import events as payloads
from entente_daemon.config import ProjectConfig
from entente_daemon.daemon.services.core import Core
from entente_daemon.daemon.services.junit import OUTCOMES, JunitError, JunitReport, read_junit
from entente_daemon.daemon.services.watcher import FileWatcher, Signature, signature
from entente_daemon.model import Event, EventKind, utc_now

log = logging.getLogger("entente.daemon.test_runs")

JUNIT_ERROR_NAME = "junit.error"
Outcome = Literal["passed", "failed", "skipped", "error"]
MAX_RUNS = 100  # finished runs remembered (in memory only)


class Counts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    passed: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)
    skipped: int = Field(default=0, ge=0)
    error: int = Field(default=0, ge=0)


class TestEvent(BaseModel):
    """The body of ``POST /v1/test-runs/events``."""

    __test__ = False  # not a pytest test class
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["test_run.started", "test_run.finished", "test.started", "test.finished"]
    run_id: str = Field(min_length=1, max_length=200)
    project: str = Field(min_length=1, max_length=1000)
    test_id: str | None = Field(default=None, max_length=2000)
    outcome: Outcome | None = None
    duration_s: float | None = Field(default=None, ge=0)
    counts: Counts | None = None
    source: str = Field(default="pytest", max_length=100)


@dataclass
class TestRun:
    __test__ = False

    run_id: str
    project: str
    source: str
    started_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "project": self.project,
            "source": self.source,
            "state": "running" if self.finished_at is None else "finished",
            "started_at": self.started_at.isoformat(),
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
            "counts": dict(self.counts),
        }


class TestRunService:
    """Publishes test events, remembers the runs, and watches the projects' JUnit reports."""

    __test__ = False
    name = "test runs"

    def __init__(self, core: Core, watcher: FileWatcher) -> None:
        self._ctx = core
        self._runs: dict[tuple[str, str], TestRun] = {}
        self._junit: dict[Path, str] = {}  # report file -> the project's config file
        self._watcher = watcher.subscribe(self._files_changed)  # the JUnit reports

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self._watcher.watch({})

    def runs(self) -> list[dict[str, Any]]:
        """The runs remembered, newest first."""
        ordered = sorted(self._runs.values(), key=lambda r: r.started_at, reverse=True)
        return [run.to_json() for run in ordered]

    async def report(self, event: TestEvent) -> Event:
        """Update the run's state and publish the event."""
        run = self._run(event.run_id, event.project, event.source)
        if event.kind == "test.finished" and event.outcome is not None:
            run.counts[event.outcome] += 1
        elif event.kind == "test_run.finished":
            run.finished_at = utc_now()
            if event.counts is not None:
                run.counts = event.counts.model_dump()
        fields = event.model_dump(exclude_none=True)
        typed = payloads.PAYLOADS[EventKind(fields.pop("kind"))]
        if typed is payloads.TestRunFinished:
            fields["counts"] = dict(run.counts)
        payload = typed.model_validate(fields)
        return await self._ctx.bus.publish(payload.KIND, payload.to_payload())

    def _run(self, run_id: str, project: str, source: str) -> TestRun:
        key = (project, run_id)
        run = self._runs.get(key)
        if run is None:
            run = self._runs[key] = TestRun(run_id, project, source)
            if len(self._runs) > MAX_RUNS:
                oldest = min(self._runs, key=lambda k: self._runs[k].started_at)
                del self._runs[oldest]
        return run

    # -- JUnit reports ------------------------------------------------------------------------

    async def project_changed(self, config: ProjectConfig) -> None:
        """A project attached or its config re-read: watch its JUnit report, if it has one."""
        project = str(config.file)
        self._junit = {f: p for f, p in self._junit.items() if p != project}
        if config.junit_report is not None:
            self._junit[config.junit_report] = project
        files = list(self._junit)

        def stat() -> dict[Path, Signature]:
            return {f: signature(f) for f in files}

        # An existing report counts as read: only the changes made from now on are reported.
        self._watcher.watch(await asyncio.to_thread(stat))

    async def _files_changed(self, files: set[Path]) -> None:
        for file in sorted(files):
            project = self._junit.get(file)
            if project is not None and file.exists():
                await self.read_report(file, project)

    async def read_report(self, file: Path, project: str) -> None:
        """Publish the report's outcomes, or an alert when it cannot be read."""
        try:
            report: JunitReport = await asyncio.to_thread(read_junit, file)
        except JunitError as exc:
            log.warning("%s", exc)
            error = payloads.SpecError(
                event=JUNIT_ERROR_NAME,
                file=str(file),
                line=exc.line,
                project=project,
                message=str(exc),
            )
            await self._ctx.bus.publish(error.KIND, error.to_payload())
            return
        digest = hashlib.sha256(str(file).encode() + str(signature(file)).encode()).hexdigest()
        run_id = f"junit-{digest[:16]}"
        for case in report.cases:
            await self.report(
                TestEvent(
                    kind="test.finished",
                    run_id=run_id,
                    project=project,
                    test_id=case.test_id[:2000],
                    outcome=cast(Outcome, case.outcome),
                    duration_s=None if case.duration_s is None else max(case.duration_s, 0.0),
                    source="junit",
                )
            )
        await self.report(
            TestEvent(
                kind="test_run.finished",
                run_id=run_id,
                project=project,
                counts=Counts(**report.counts),
                source="junit",
            )
        )
