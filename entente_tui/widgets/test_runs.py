"""The test runs side panel: each run's project, start time, live pass/fail/skip counts and
whether it still runs. Choosing one (enter) posts `TestRunsPanel.RunChosen`; the first line,
"all runs", chooses none.

Data down: `TestRunsPanel.show_runs`; the runs themselves are built by `TestRunView` from
``GET /v1/test-runs`` and kept current from ``test_run.*``/``test.finished`` events by
`apply_test_event`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from entente_daemon.client.events import TestFinished, TestPayload, TestRunFinished, parse_payload
from entente_daemon.model import Event, EventKind

from .clock import clock
from .interaction_rows import Palette

ALL_RUNS = "*"
OUTCOMES = ("passed", "failed", "skipped", "error")
TEST_EVENT_KINDS = frozenset(
    {EventKind.TEST_RUN_STARTED, EventKind.TEST_RUN_FINISHED, EventKind.TEST_FINISHED}
)


@dataclass(frozen=True)
class TestRunView:
    __test__ = False  # not a pytest test class

    run_id: str
    project: str
    running: bool
    started_at: datetime | None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    source: str = "pytest"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestRunView:
        started = data.get("started_at")
        counts = data.get("counts") or {}
        return cls(
            run_id=str(data["run_id"]),
            project=str(data.get("project") or ""),
            running=data.get("state") == "running",
            started_at=datetime.fromisoformat(started) if isinstance(started, str) else None,
            counts={k: int(counts.get(k, 0)) for k in OUTCOMES},
            source=str(data.get("source") or "pytest"),
        )

    @property
    def project_name(self) -> str:
        """The project's folder (its config is ``…/castle-client/entente.toml``)."""
        path = Path(self.project)
        return path.parent.name if path.suffix in {".toml", ".xml"} else path.name


def apply_test_event(runs: dict[str, TestRunView], event: Event) -> bool:
    """Fold one test event into ``runs`` (by run id); whether anything changed."""
    if event.kind not in TEST_EVENT_KINDS:
        return False
    payload = parse_payload(event)
    if not isinstance(payload, TestPayload):
        return False
    run_id = payload.run_id
    run = runs.get(run_id) or TestRunView(
        run_id=run_id,
        project=payload.project,
        running=True,
        started_at=event.time,
        source=payload.source or "pytest",
    )
    if isinstance(payload, TestFinished):
        outcome = payload.outcome
        if outcome in OUTCOMES:
            counts = dict(run.counts)
            counts[outcome] += 1
            run = dataclasses.replace(run, counts=counts)
    elif isinstance(payload, TestRunFinished):
        final = payload.counts
        if final is not None:
            run = dataclasses.replace(run, counts={k: int(final.get(k, 0)) for k in OUTCOMES})
        run = dataclasses.replace(run, running=False)
    runs[run_id] = run
    return True


def newest_first(runs: Iterable[TestRunView]) -> list[TestRunView]:
    return sorted(runs, key=lambda r: (r.started_at is not None, r.started_at), reverse=True)


class TestRunsPanel(Vertical):
    __test__ = False

    class RunChosen(Message):
        """The user chose a run (None: all runs)."""

        def __init__(self, run_id: str | None) -> None:
            super().__init__()
            self.run_id = run_id

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id, classes=classes)
        self.palette = Palette()
        self.runs: list[TestRunView] = []

    def compose(self) -> ComposeResult:
        yield Static("Test runs", classes="panel-title")
        yield DataTable[Text](cursor_type="row", id="runs-table")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#runs-table", DataTable)

    def on_mount(self) -> None:
        self.table.add_column("", key="state", width=1)
        self.table.add_column("project", key="project", width=14)
        self.table.add_column("started", key="started", width=8)
        self.table.add_column("✓ ✗ ↷", key="counts", width=12)
        self.show_runs(self.runs)

    def show_runs(self, runs: list[TestRunView], chosen: str | None = None) -> None:
        """Show ``runs`` (newest first), the cursor on ``chosen`` (else where it was)."""
        self.runs = runs
        table = self.table
        current = chosen
        if current is None and table.row_count and table.is_valid_row_index(table.cursor_row):
            current = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        table.clear()
        table.add_row(Text(""), Text("all runs", style="italic"), Text(""), Text(""), key=ALL_RUNS)
        for run in runs:
            table.add_row(*self._cells(run), key=run.run_id)
        keys = [ALL_RUNS, *(run.run_id for run in runs)]
        if current in keys:
            table.move_cursor(row=keys.index(current), animate=False)

    def _cells(self, run: TestRunView) -> list[Text]:
        p = self.palette
        state = Text("●", style=p.warning) if run.running else Text("■", style=p.muted)
        counts = Text()
        counts.append(str(run.counts["passed"]), style=p.success)
        counts.append(" ")
        failed = run.counts["failed"] + run.counts["error"]
        counts.append(str(failed), style=p.error if failed else p.muted)
        counts.append(" ")
        counts.append(str(run.counts["skipped"]), style=p.muted)
        return [state, Text(run.project_name), Text(clock(run.started_at)), counts]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = str(event.row_key.value)
        self.post_message(self.RunChosen(None if key == ALL_RUNS else key))
