"""What the verification widgets show, made from what the daemon says: a row per run (a run
the daemon follows, ``VerificationRun``; or stored verifications from before it, grouped by
the run that made them) and the failures of one run. Pure data: no Textual, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from entente_daemon.client.wire import VerificationFailure, VerificationRun
from entente_daemon.model import ErrorKind, Verification

RUN = "run:"
STORED = "stored:"
#: Why a run shown running is not any more: the daemon restarted and forgot it.
LOST = (
    "the daemon no longer follows this run (it restarted while the run went on): its "
    "results were not stored; run it again"
)


@dataclass(frozen=True)
class FailureView:
    """One failed interaction: what differs (kind, JSON path, expected vs actual), why, and
    which request of which consumer it was."""

    kind: str
    path: str | None
    expected: Any
    actual: Any
    message: str | None
    consumer: str
    request: str | None = None
    operation_id: str | None = None
    state_handler_error: str | None = None
    interaction_id: str | None = None


@dataclass(frozen=True)
class RunRow:
    """A run as listed. ``key``: ``run:<id>`` for a run the daemon follows, ``stored:<id>``
    (its first verification's id) for stored verifications."""

    key: str
    state: str  # running, passed, failed, error
    provider: str
    provider_version: str
    consumers: str  # "castle-client 1.0.0, …"; "" while not known yet
    total: int
    done: int
    passed: int
    failed: int
    started_at: datetime
    finished_at: datetime | None = None
    run_id: str | None = None
    verification_ids: tuple[str, ...] = ()
    environment: str = "local"

    @property
    def running(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True)
class RunDetail:
    """A run with its failures (``failures_total`` may be more than listed: the daemon caps
    them) and what else there is to say about it."""

    row: RunRow
    failures: tuple[FailureView, ...] = ()
    failures_total: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    loading: bool = False


def _consumers(verifications: Iterable[Verification]) -> str:
    seen = dict.fromkeys(f"{v.consumer} {v.consumer_version}" for v in verifications)
    return ", ".join(sorted(seen))


def row_of_run(run: VerificationRun, stored: Mapping[str, Verification]) -> RunRow:
    mine = [stored[i] for i in run.verifications if i in stored]
    consumers = _consumers(mine)
    if not consumers and run.failures:
        consumers = ", ".join(sorted({f"{f.consumer} {f.consumer_version}" for f in run.failures}))
    return RunRow(
        key=RUN + run.id,
        state=run.state,
        provider=run.provider,
        provider_version=run.provider_version,
        consumers=consumers,
        total=run.total,
        done=run.done,
        passed=run.passed,
        failed=run.failed,
        started_at=run.started_at,
        finished_at=run.finished_at,
        run_id=run.id,
        verification_ids=tuple(run.verifications),
        environment=run.environment,
    )


def group_stored(verifications: Iterable[Verification]) -> list[list[Verification]]:
    """Stored verifications by the run that made them: one run stores one verification per
    consumer version, all with the same provider, version, environment and start."""
    groups: dict[tuple[str, str, str, datetime], list[Verification]] = {}
    for verification in verifications:
        key = (
            verification.provider,
            verification.provider_version,
            verification.environment,
            verification.started_at,
        )
        groups.setdefault(key, []).append(verification)
    return list(groups.values())


def row_of_stored(group: Sequence[Verification]) -> RunRow:
    first = group[0]
    passed = sum(v.passed for v in group)
    failed = sum(v.failed for v in group)
    finished = [v.finished_at for v in group if v.finished_at is not None]
    return RunRow(
        key=STORED + first.id,
        state="failed" if failed else "passed",
        provider=first.provider,
        provider_version=first.provider_version,
        consumers=_consumers(group),
        total=passed + failed,
        done=passed + failed,
        passed=passed,
        failed=failed,
        started_at=first.started_at,
        finished_at=max(finished) if finished else None,
        verification_ids=tuple(v.id for v in group),
        environment=first.environment,
    )


def build_rows(runs: Iterable[VerificationRun], stored: Sequence[Verification]) -> list[RunRow]:
    """Every run, newest first: the daemon's runs, then the stored verifications no run
    of the daemon's accounts for (history from before it started)."""
    by_id = {v.id: v for v in stored}
    rows = []
    claimed: set[str] = set()
    for run in runs:
        rows.append(row_of_run(run, by_id))
        claimed.update(run.verifications)
    rest = [v for v in stored if v.id not in claimed]
    rows.extend(row_of_stored(group) for group in group_stored(rest))
    rows.sort(key=lambda r: (r.started_at, r.key), reverse=True)
    return rows


def failure_of_run(failure: VerificationFailure) -> FailureView:
    return FailureView(
        kind=failure.kind or "failed",
        path=failure.path,
        expected=failure.expected,
        actual=failure.actual,
        message=failure.message,
        consumer=f"{failure.consumer} {failure.consumer_version}",
        request=failure.request,
        operation_id=failure.operation_id,
        state_handler_error=failure.state_handler_error,
        interaction_id=failure.interaction_id,
    )


def failures_of_stored(
    group: Iterable[Verification], requests: Mapping[str, str] | None = None
) -> list[FailureView]:
    """The failed results of stored verifications; ``requests``: interaction id → the
    recorded request line, where known."""
    requests = requests or {}
    found = []
    for verification in group:
        for result in verification.results:
            if result.ok:
                continue
            handler_error = (
                result.message if result.error_kind is ErrorKind.STATE_HANDLER_ERROR else None
            )
            found.append(
                FailureView(
                    kind=result.error_kind.value if result.error_kind else "failed",
                    path=result.path,
                    expected=result.expected,
                    actual=result.actual,
                    message=result.message,
                    consumer=f"{verification.consumer} {verification.consumer_version}",
                    request=requests.get(result.interaction_id),
                    operation_id=result.operation_id,
                    state_handler_error=handler_error,
                    interaction_id=result.interaction_id,
                )
            )
    return found


def notes_of_run(run: VerificationRun) -> tuple[str, ...]:
    """What else a run's detail says: where it ran, what it skipped and made, why it
    stopped (the error, the end of a crashed process's log)."""
    notes = []
    if run.base_url:
        notes.append(f"against {run.base_url}")
    if run.project:
        project = Path(run.project)
        notes.append(f"project {project.parent.name if project.suffix else project.name}")
    if run.skipped:
        notes.append(f"{run.skipped} skipped (already passed)")
    if run.fixtures_created:
        notes.append(f"{run.fixtures_created} draft fixture(s) proposed")
    if run.state == "running" and run.last is not None:
        last = run.last
        outcome = "ok" if last.ok else (last.error_kind or "failed")
        notes.append(f"last: {last.method or ''} {last.path or ''} {outcome}".replace("  ", " "))
    if run.error:
        notes.append(f"error: {run.error}")
    if run.log_tail:
        notes.append(f"log:\n{run.log_tail}")
    elif run.log and run.state == "error":
        notes.append(f"log: {run.log}")
    return tuple(notes)


def further(old: VerificationRun | None, new: VerificationRun) -> VerificationRun:
    """The later of two reports of one run: a finished one over a running one, more done
    over less; failures already fetched are kept."""
    if old is None:
        return new
    if old.state != "running" and new.state == "running" and old.error != LOST:
        return old
    if old.state == new.state == "running" and old.done > new.done:
        return old
    if not new.failures and old.failures and old.state == new.state:
        return new.model_copy(update={"failures": old.failures})
    return new
