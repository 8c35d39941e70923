"""Verification runs as the daemon follows them, for the TUI's live view.

Whoever verifies a provider (``entente verify``, `Provider.verify`, or a verification the
daemon started itself with ``POST /v1/verify``) opens a run, reports its progress and
finishes it with the results; the daemon publishes each step as a ``verification.*`` event
whose payload is the run (`VerificationRun`), stores the results through the store writer
(the daemon owns the store), and keeps the recent runs in memory for ``GET
/v1/verification-runs``. A request it refuses raises a domain error (`services.errors`).

Every run emits exactly one ``verification.started`` and one ``verification.finished``, in
that order, with ``verification.progress`` events between them. A run that could not
complete finishes in state ``error`` with the reason (and nothing stored).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from entente_daemon.client import events as payloads
from entente_daemon.client.wire import (
    VerificationFailure,
    VerificationFinish,
    VerificationRun,
    VerificationStep,
)
from entente_daemon.daemon.services.core import Core
from entente_daemon.daemon.services.credentials import query_without_credentials
from entente_daemon.daemon.services.errors import Conflict, Invalid, NotFound, Unavailable
from entente_daemon.errors import StoreError
from entente_daemon.model import (
    ErrorKind,
    EventKind,
    Fixture,
    FixtureStatus,
    Interaction,
    Verification,
    new_id,
    utc_now,
)
from entente_daemon.record.redact import DEFAULT_HEADERS
from entente_daemon.store import Store

log = logging.getLogger("entente.daemon.verification")

RUNS_KEPT = 50  # runs remembered, in memory only
FAILURES_KEPT = 200  # failures a finished run's summary lists
VALUE_CHARS = 1000  # an expected/actual value longer than this (as JSON) is cut
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


class RunOpen(BaseModel):
    """The body of ``POST /v1/verification-runs``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(default=None, pattern=RUN_ID_PATTERN)
    provider: str = Field(min_length=1, max_length=200)
    provider_version: str = Field(min_length=1, max_length=200)
    environment: str = Field(default="local", min_length=1, max_length=100)
    total: int = Field(ge=0, le=10_000_000)
    project: str | None = Field(default=None, max_length=4096)
    base_url: str | None = Field(default=None, max_length=2000)


class RunProgress(BaseModel):
    """The body of ``POST /v1/verification-runs/{id}/progress``."""

    model_config = ConfigDict(extra="forbid")

    done: int = Field(ge=0)
    passed: int = Field(ge=0)
    failed: int = Field(ge=0)
    last: VerificationStep | None = None


class RunFinish(BaseModel):
    """The body of ``POST /v1/verification-runs/{id}/finish``: the results, or an error."""

    model_config = ConfigDict(extra="forbid")

    verifications: list[Verification] = Field(default_factory=list)
    fixtures: list[Fixture] = Field(default_factory=list)
    skipped: int = Field(default=0, ge=0)
    error: str | None = Field(default=None, min_length=1, max_length=20_000)


@dataclass
class Run:
    """A run and how far its reporting got. ``claimed`` is False while a run the daemon
    started waits for its process to open it."""

    info: VerificationRun
    claimed: bool = True
    finishing: bool = False

    @property
    def finished(self) -> bool:
        return self.info.state != "running"


class VerificationRuns:
    """The recent runs, and the events and writes that report them."""

    name = "verification runs"

    def __init__(self, core: Core) -> None:
        self.ctx = core
        self._runs: dict[str, Run] = {}  # in the order opened

    def list(self) -> list[VerificationRun]:
        """The runs remembered, newest first, without their failures."""
        return [
            run.info.model_copy(update={"failures": []}) for run in reversed(self._runs.values())
        ]

    def get(self, run_id: str) -> Run | None:
        return self._runs.get(run_id)

    def reserve(
        self, provider: str, provider_version: str, environment: str, project: str, base_url: str
    ) -> Run:
        """A run for a verification the daemon starts: listed at once, announced when its
        process opens it (or, failing that, when the process ends)."""
        info = VerificationRun(
            id=new_id(),
            provider=provider,
            provider_version=provider_version,
            environment=environment,
            project=project,
            base_url=base_url,
            started_at=utc_now(),
        )
        run = Run(info, claimed=False)
        self._keep(run)
        return run

    def forget(self, run: Run) -> None:
        self._runs.pop(run.info.id, None)

    async def open(self, body: RunOpen) -> VerificationRun:
        """Start a run (or take over the one the daemon reserved under ``body.id``) and
        emit ``verification.started``."""
        run = self._runs.get(body.id) if body.id is not None else None
        if run is not None and run.claimed:
            raise Conflict(f"verification run {body.id!r} is already open")
        fields = body.model_dump(exclude={"id"}, exclude_none=True)
        if run is None:
            run = Run(VerificationRun(id=body.id or new_id(), started_at=utc_now(), **fields))
            self._keep(run)
        else:
            run.info = run.info.model_copy(update={**fields, "started_at": utc_now()})
            run.claimed = True
        await self._publish(EventKind.VERIFICATION_STARTED, run)
        return run.info

    async def progress(self, run_id: str, body: RunProgress) -> int:
        """Record and forward a progress report; the event's sequence number."""
        run = self._open_run(run_id)
        run.info = run.info.model_copy(
            update={"done": body.done, "passed": body.passed, "failed": body.failed}
        )
        if body.last is not None:
            run.info.last = body.last
        return await self._publish(EventKind.VERIFICATION_PROGRESS, run)

    async def finish(self, run_id: str, body: RunFinish) -> VerificationFinish:
        """Store a run's results and emit ``verification.finished`` (after one
        ``fixture.created`` per new fixture); or end it with ``body.error``."""
        run = self._open_run(run_id)
        if body.error is not None:
            if body.verifications or body.fixtures:
                raise Invalid('send either the results or an "error", not both')
            await self.abandon(run, body.error)
            return VerificationFinish(run=run.info)
        _check_results(run.info, body)
        body = body.model_copy(
            update={"fixtures": [_without_credentials(f) for f in body.fixtures]}
        )
        run.finishing = True
        try:
            return await self._store(run, body)
        except StoreError as exc:
            raise Unavailable(f"the store cannot take these results now: {exc}") from None
        finally:
            run.finishing = False

    async def abandon(self, run: Run, error: str, *, log_tail: str | None = None) -> None:
        """End a run that could not complete: state ``error``, nothing stored. A run whose
        process never opened it is announced first, so that it too starts and finishes."""
        if run.finished:
            return
        if not run.claimed:
            run.claimed = True
            await self._publish(EventKind.VERIFICATION_STARTED, run)
        run.info = run.info.model_copy(
            update={
                "state": "error",
                "error": error,
                "log_tail": log_tail,
                "finished_at": utc_now(),
            }
        )
        await self._publish(EventKind.VERIFICATION_FINISHED, run)

    # -- helpers ------------------------------------------------------------------------

    def _open_run(self, run_id: str) -> Run:
        run = self._runs.get(run_id)
        if run is None:
            raise NotFound(
                f"no verification run {run_id!r} (the daemon keeps the last {RUNS_KEPT}, in memory)"
            )
        if not run.claimed:
            raise Conflict(f"verification run {run_id!r} is not open yet")
        if run.finished or run.finishing:
            raise Conflict(f"verification run {run_id!r} has already finished")
        return run

    def _keep(self, run: Run) -> None:
        self._runs[run.info.id] = run
        while len(self._runs) > RUNS_KEPT:
            oldest = next((r for r in self._runs.values() if r.finished), None)
            self.forget(oldest or next(iter(self._runs.values())))

    async def _publish(self, kind: EventKind, run: Run) -> int:
        payload = payloads.PAYLOADS[kind].model_validate(run.info.model_dump(mode="json"))
        event = await self.ctx.bus.publish(payload.KIND, payload.to_payload())
        return event.seq

    async def _store(self, run: Run, body: RunFinish) -> VerificationFinish:
        results = [(v, r) for v in body.verifications for r in v.results]
        failed = [(v, r) for v, r in results if not r.ok]
        wanted = {r.interaction_id for _, r in failed[:FAILURES_KEPT]}
        requests = await self.ctx.recorder.read(lambda store: _request_lines(store, wanted))
        failures = [
            VerificationFailure(
                interaction_id=r.interaction_id,
                consumer=v.consumer,
                consumer_version=v.consumer_version,
                operation_id=r.operation_id,
                request=requests.get(r.interaction_id),
                kind=None if r.error_kind is None else r.error_kind.value,
                path=r.path,
                expected=_short(r.expected),
                actual=_short(r.actual),
                message=r.message,
                state_handler_error=(
                    r.message if r.error_kind is ErrorKind.STATE_HANDLER_ERROR else None
                ),
            )
            for v, r in failed[:FAILURES_KEPT]
        ]
        done = run.info.model_copy(
            update={
                "state": "failed" if failed else "passed",
                "total": len(results),
                "done": len(results),
                "passed": len(results) - len(failed),
                "failed": len(failed),
                "skipped": body.skipped,
                "failures": failures,
                "failures_total": len(failed),
                "verifications": [v.id for v in body.verifications],
                "finished_at": utc_now(),
            }
        )

        def payload(created: list[Fixture]) -> payloads.VerificationFinished:
            done.fixtures_created = len(created)
            return payloads.VerificationFinished.of(done)

        created = await self.ctx.recorder.record_verification(
            body.verifications, body.fixtures, payload
        )
        run.info = done
        log.info(
            "verification of %s %s: %d passed, %d failed, %d new fixture(s)",
            done.provider,
            done.provider_version,
            done.passed,
            done.failed,
            len(created),
        )
        return VerificationFinish(run=done, verifications=done.verifications, fixtures=created)


def _check_results(run: VerificationRun, body: RunFinish) -> None:
    """The results must be this run's provider's; the fixtures drafts."""
    ours = (run.provider, run.provider_version)
    for index, verification in enumerate(body.verifications):
        theirs = (verification.provider, verification.provider_version)
        if theirs != ours:
            raise Invalid(
                f"verifications[{index}] is for {' '.join(theirs)}, but run {run.id!r} "
                f"verifies {' '.join(ours)}",
            )
    for index, fixture in enumerate(body.fixtures):
        if fixture.provider != run.provider:
            raise Invalid(
                f"fixtures[{index}] is for provider {fixture.provider!r}, but run {run.id!r} "
                f"verifies {run.provider!r}",
            )
        if fixture.status is not FixtureStatus.DRAFT:
            raise Invalid(
                f"fixtures[{index}] is {fixture.status.value}: a run proposes drafts only"
            )


def _without_credentials(fixture: Fixture) -> Fixture:
    """A last guard: a fixture is served to every consumer, so it keeps no credential
    header (they are dropped) nor credential query value (blanked)."""
    request, response = fixture.request, fixture.response
    clean_request = request.model_copy(
        update={
            "headers": _no_secret_headers(request.headers),
            "query": query_without_credentials(request.query),
        }
    )
    clean_response = response.model_copy(update={"headers": _no_secret_headers(response.headers)})
    if (clean_request, clean_response) == (request, response):
        return fixture
    return fixture.model_copy(
        update={"request": clean_request, "response": clean_response}
    ).with_hash()


def _no_secret_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in DEFAULT_HEADERS}


def _request_lines(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """The recorded request line of each interaction found (``GET /castles/42``)."""
    found: dict[str, Interaction | None] = {i: store.interactions.get(i) for i in ids}
    return {
        i: f"{interaction.request.method} {interaction.request.path}"
        for i, interaction in found.items()
        if interaction is not None
    }


def _short(value: Any) -> Any:
    """A value for an event: as is, or its JSON text cut to `VALUE_CHARS` when longer."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= VALUE_CHARS:
        return value
    return text[:VALUE_CHARS] + "…"
