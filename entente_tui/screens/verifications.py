"""The Verifications screen: every verification run, newest first (those running with a
progress bar moved by ``verification.progress`` events), and the selected run's failures:
kind, JSON path, expected and actual side by side, the message, the request, the state
handler's error. Runs come from the daemon (``GET /v1/verification-runs``: the recent ones,
in its memory) and stored verifications (``GET /v1/verifications``: the history); ``v``
starts a verification of a provider project through the daemon (``POST /v1/verify``), one of
those it offers (``GET /v1/verify/providers``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import Static

from entente_daemon.client.errors import DaemonError, DaemonRequestError
from entente_daemon.client.events import VerificationFinished, VerificationPayload, parse_payload
from entente_daemon.client.wire import VerificationRun
from entente_daemon.model import Event, Verification
from entente_tui.bindings import PaletteBinding
from entente_tui.widgets.verification_data import (
    LOST,
    RUN,
    RunDetail,
    RunRow,
    build_rows,
    failure_of_run,
    failures_of_stored,
    further,
    notes_of_run,
)
from entente_tui.widgets.verification_detail import VerificationDetail
from entente_tui.widgets.verification_progress import VerificationProgress
from entente_tui.widgets.verification_table import VerificationTable

from .base import LiveScreen
from .start_verification import StartRequest, StartVerificationScreen

HISTORY = 200  # stored verifications listed
RUNS_KEPT = 200  # runs this screen remembers
REQUEST_LINES = 20  # failed interactions of a stored run whose request is looked up


class VerificationsScreen(LiveScreen):
    NAME = "verifications"
    TITLE = "Verifications"
    CSS_PATH = "verifications.tcss"
    BINDINGS = [
        PaletteBinding(
            "v",
            "verify",
            "Verify provider",
            id="verifications.verify",
            title="Verify a provider",
            help="Start a verification through the daemon",
        ),
        PaletteBinding(
            "enter",
            "open",
            "Failures",
            id="verifications.open",
            title="Show failures",
            help="Move to the failures of the selected run",
        ),
        PaletteBinding(
            "r",
            "refresh",
            "Refresh",
            id="verifications.refresh",
            title="Refresh verifications",
            help="Read the runs from the daemon again",
        ),
        Binding("escape", "back", "Back to runs", show=False, id="verifications.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[str, VerificationRun] = {}
        self._stored: list[Verification] = []
        self._requests: dict[str, str] = {}  # interaction id → request line
        self._selected: str | None = None
        self._follow: str | None = None  # a run just started: select it when listed
        self._wanted: str | None = None  # a verification to show (from the Deploy screen)
        self._loading: str | None = None  # the row whose failures are being fetched
        self._fetched: set[str] = set()  # rows whose failures were asked for once
        self._restarted = False  # the daemon came back: its runs list is new

    def compose_body(self) -> ComposeResult:
        yield Static("", id="verifications-summary")
        yield VerificationProgress(id="verifications-running")
        yield VerificationTable(id="verifications-table")
        yield VerificationDetail(id="verification-detail")

    @property
    def table(self) -> VerificationTable:
        return self.query_one(VerificationTable)

    @property
    def detail(self) -> VerificationDetail:
        return self.query_one(VerificationDetail)

    @property
    def progress(self) -> VerificationProgress:
        return self.query_one(VerificationProgress)

    # -- data ---------------------------------------------------------------------------

    def reload(self) -> None:
        self.load_runs()

    def daemon_returned(self) -> None:
        self._restarted = True
        super().daemon_returned()

    @work(exclusive=True, group="verifications-load")
    async def load_runs(self) -> None:
        try:
            runs = await self.client.verification_runs()
        except DaemonRequestError as exc:
            if exc.status != 404:  # an older daemon follows no runs: history only
                self.notify(f"Could not read the verification runs: {exc}", severity="error")
            runs = []
        except DaemonError as exc:
            self.notify(f"Could not read the verification runs: {exc}", severity="error")
            return
        listed = {run.id for run in runs}
        for run in runs:
            self._runs[run.id] = further(self._runs.get(run.id), run)
        if self._restarted:  # what it ran before, the daemon no longer follows
            self._restarted = False
            for run_id, run in list(self._runs.items()):
                if run.state == "running" and run_id not in listed:
                    self._runs[run_id] = run.model_copy(update={"state": "error", "error": LOST})
        await self._read_stored()
        self._refresh()
        if self._wanted is not None:  # asked for, and not listed
            self.notify(
                f"Verification {self._wanted[:12]} is not among the {HISTORY} newest.",
                severity="warning",
            )
            self._wanted = None

    @work(exclusive=True, group="verifications-stored")
    async def load_stored(self) -> None:
        await self._read_stored()
        self._refresh()

    async def _read_stored(self) -> None:
        try:
            self._stored = await self.client.verifications(limit=HISTORY)
        except DaemonError as exc:
            self.notify(f"Could not read the stored verifications: {exc}", severity="error")

    def apply_events(self, events: Iterable[Event]) -> None:
        finished = changed = False
        for event in events:
            payload = parse_payload(event)
            if not isinstance(payload, VerificationPayload):
                continue  # another kind, or a payload this TUI cannot read (a reload shows it)
            run = VerificationRun.model_validate(payload.model_dump())  # its extras left out
            self._runs[run.id] = further(self._runs.get(run.id), run)
            changed = True
            finished = finished or isinstance(payload, VerificationFinished)
        if finished:
            self.load_stored()  # the consumers of what was stored
        if changed:
            self._refresh()

    # -- showing ------------------------------------------------------------------------

    def _trim(self) -> None:
        """Forget the oldest finished runs beyond `RUNS_KEPT` (the daemon keeps 50)."""
        finished = [run for run in self._runs.values() if run.state != "running"]
        finished.sort(key=lambda run: run.started_at)
        for run in finished[: max(len(self._runs) - RUNS_KEPT, 0)]:
            del self._runs[run.id]

    def _refresh(self) -> None:
        self._trim()
        try:
            self._show_rows()
        except NoMatches:  # torn down (the app is closing): nothing to show any more
            return

    def _show_rows(self) -> None:
        rows = build_rows(self._runs.values(), self._stored)
        self.table.show(rows)
        self.progress.show([row for row in rows if row.running])
        if self._follow is not None and self.table.select(RUN + self._follow):
            self._follow = None
        opened = self._select_wanted(rows)
        running = sum(1 for row in rows if row.running)
        summary = f"{len(rows)} run(s)"
        if running:
            summary += f", {running} running"
        summary += "   v: verify a provider   enter: failures   r: refresh"
        self.query_one("#verifications-summary", Static).update(summary)
        current = self.table.current
        self._choose(current)
        if opened:
            self.detail.focus()

    def _select_wanted(self, rows: list[RunRow]) -> bool:
        """Put the cursor on the run that stored the wanted verification; True if it did."""
        if self._wanted is None:
            return False
        for row in rows:
            if self._wanted in row.verification_ids and self.table.select(row.key):
                self._wanted = None
                return True
        return False

    def show_verification(self, verification_id: str) -> None:
        """Select the run that stored ``verification_id`` and open its failures, once the
        runs are read again (it may be newer than what is listed)."""
        self._wanted = verification_id
        self.load_runs()

    def _choose(self, row: RunRow | None) -> None:
        self._selected = row.key if row else None
        if row is None:
            self.detail.detail = None
            return
        detail = self._detail_for(row)
        self.detail.detail = detail
        if detail.loading and self._loading != row.key:
            self._loading = row.key
            self.load_detail(row)

    def _detail_for(self, row: RunRow) -> RunDetail:
        if row.run_id is not None and row.run_id in self._runs:
            run = self._runs[row.run_id]
            missing = (
                run.state != "running"
                and run.failed > 0
                and not run.failures
                and row.key not in self._fetched
            )
            return RunDetail(
                row,
                tuple(failure_of_run(f) for f in run.failures),
                run.failures_total,
                notes_of_run(run),
                loading=missing,
            )
        group = [v for v in self._stored if v.id in row.verification_ids]
        failures = failures_of_stored(group, self._requests)
        wanted = [f.interaction_id for f in failures[:REQUEST_LINES]]
        loading = row.key not in self._fetched and any(
            i is not None and i not in self._requests for i in wanted
        )
        return RunDetail(row, tuple(failures), len(failures), (), loading=loading)

    @work(exclusive=True, group="verifications-detail")
    async def load_detail(self, row: RunRow) -> None:
        """What the listing leaves out: a finished run's failures, or the request lines of
        a stored run's failures. Asked for once per row (a run that ended in an error has
        none to give)."""
        self._fetched.add(row.key)
        try:
            if row.run_id is not None and row.run_id in self._runs:
                run = await self.client.verification_run(row.run_id)
                if run is not None:  # None: the daemon forgot it; show what we have
                    self._runs[row.run_id] = further(self._runs.get(row.run_id), run)
            else:
                group = [v for v in self._stored if v.id in row.verification_ids]
                ids = [f.interaction_id for f in failures_of_stored(group)][:REQUEST_LINES]
                found = await asyncio.gather(
                    *(self.client.interaction(i) for i in ids if i is not None)
                )
                for interaction_id, interaction in zip(ids, found, strict=False):
                    if interaction_id is None:
                        continue
                    self._requests[interaction_id] = (
                        f"{interaction.request.method} {interaction.request.path}"
                        if interaction is not None
                        else "(the request is no longer stored)"
                    )
        except DaemonError as exc:
            self.notify(f"Could not read the run's failures: {exc}", severity="error")
            return
        finally:
            self._loading = None
        if self._selected == row.key:
            current = self.table.current
            if current is not None:
                self._choose(current)

    def on_verification_table_chosen(self, message: VerificationTable.Chosen) -> None:
        if message.row is None or message.row.key != self._selected:
            self._choose(message.row)

    def on_verification_table_opened(self, message: VerificationTable.Opened) -> None:
        self._choose(message.row)
        self.detail.focus()

    # -- actions ------------------------------------------------------------------------

    def action_open(self) -> None:
        if self.table.current is not None:
            self.detail.focus()

    def action_back(self) -> None:
        self.table.focus()

    def action_refresh(self) -> None:
        self.load_runs()

    def action_verify(self) -> None:
        self.ask_what_to_verify()

    @work(exclusive=True, group="verifications-choices")
    async def ask_what_to_verify(self) -> None:
        attached = self.entente.project
        try:
            choices = await self.client.provider_choices(attached.config if attached else None)
        except DaemonError as exc:
            self.notify(f"Could not list the provider projects: {exc}", severity="error")
            choices = []
        self.app.push_screen(StartVerificationScreen(choices), self._start)

    def _start(self, request: StartRequest | None) -> None:
        if request is not None:
            self.start_verification(request)

    @work(exclusive=True, group="verifications-start")
    async def start_verification(self, request: StartRequest) -> None:
        try:
            launched = await self.client.start_verification(
                request.project,
                request.base_url,
                state_handlers=request.state_handlers,
                only_new=request.only_new,
            )
        except DaemonError as exc:
            self.notify(str(exc), title="Verification not started", severity="error", timeout=10)
            return
        self._follow = launched.run_id
        self.notify(
            f"{launched.provider} against {launched.base_url} (log: {launched.log})",
            title="Verification started",
        )
        self.load_runs()
