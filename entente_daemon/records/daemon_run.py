"""A verification reported to the running daemon, which owns the store: a run opened at the
start, progress while it goes (throttled), the results at the end (the daemon stores them).

Nothing here raises for the daemon's sake: a daemon that goes away or refuses a report only
means that the results are not stored, and `DaemonRun.note` says so. The verification
itself always completes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from entente_daemon.client import DaemonClient, DaemonError
from entente_daemon.client.wire import VerificationStep
from entente_daemon.model import Fixture, Interaction, Verification, VerificationResult

log = logging.getLogger("entente.verify")
T = TypeVar("T")

#: Seconds between progress reports (at most ~10 a second, plus the last one).
PROGRESS_INTERVAL = 0.1


class DaemonRun:
    """One run's reports to the daemon. Call `open`, `step` for each interaction, then
    `finish` (or `abandon`)."""

    def __init__(
        self, client: DaemonClient, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._clock = clock
        self.id: str | None = None
        self.problem: str | None = None  # why the results will not be stored
        self.total = 0
        self.done = self.passed = self.failed = 0
        self._last_sent: float | None = None
        self.reports = 0  # progress reports sent

    @property
    def live(self) -> bool:
        return self.id is not None and self.problem is None

    @property
    def note(self) -> str | None:
        if self.problem is None:
            return None
        return f"this run's results and fixtures were NOT stored: {self.problem}"

    def open(
        self,
        provider: str,
        provider_version: str,
        *,
        total: int,
        environment: str,
        project: str | None = None,
        base_url: str | None = None,
        run_id: str | None = None,
    ) -> None:
        self.total = total
        opened = self._call(
            "open the verification run",
            lambda: self._client.open_verification_run(
                provider,
                provider_version,
                total=total,
                environment=environment,
                project=project,
                base_url=base_url,
                run_id=run_id,
            ),
        )
        if opened is not None:
            self.id = opened.id

    def step(self, interaction: Interaction, result: VerificationResult) -> None:
        """Count an interaction verified; report it unless one was sent very recently
        (the last one of the run is always sent)."""
        self.done += 1
        if result.ok:
            self.passed += 1
        else:
            self.failed += 1
        now = self._clock()
        recent = self._last_sent is not None and now - self._last_sent < PROGRESS_INTERVAL
        run_id = self.id
        if run_id is None or self.problem is not None or (recent and self.done < self.total):
            return
        self._last_sent = now
        last = VerificationStep(
            interaction_id=interaction.id,
            consumer=interaction.consumer,
            method=interaction.request.method,
            path=interaction.request.path,
            ok=result.ok,
            error_kind=None if result.error_kind is None else result.error_kind.value,
            path_in_body=result.path,
            message=result.message,
        )
        sent = self._call(
            "report progress",
            lambda: self._client.report_verification_progress(
                run_id, done=self.done, passed=self.passed, failed=self.failed, last=last
            ),
        )
        if sent is not None:
            self.reports += 1

    def finish(
        self, verifications: Sequence[Verification], fixtures: Sequence[Fixture], skipped: int
    ) -> list[Fixture] | None:
        """Hand the results to the daemon; the fixtures it created (None: not stored)."""
        run_id = self.id
        if run_id is None or not self.live:
            return None
        finished = self._call(
            "store the results",
            lambda: self._client.finish_verification_run(
                run_id, verifications, fixtures, skipped=skipped
            ),
        )
        return None if finished is None else finished.fixtures

    def abandon(self, error: str) -> None:
        """End the run with an error (the verification could not complete)."""
        run_id = self.id
        if run_id is not None and self.live:
            self._call("end the run", lambda: self._client.abandon_verification_run(run_id, error))

    def _call(self, what: str, call: Callable[[], T]) -> T | None:
        if self.problem is not None:
            return None
        try:
            return call()
        except DaemonError as exc:
            self.problem = f"the daemon could not {what}: {exc}"
            log.warning("%s", self.problem)
            return None
