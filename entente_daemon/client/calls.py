"""The control API's requests, described once for both the sync and the async client.

Each function returns a `Call`: what to send and how to read the answer. The clients only
execute calls, so the two stay identical by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from entente_daemon.client.events import BreakingChange
from entente_daemon.model import (
    Deployment,
    Event,
    Fixture,
    FixtureStatus,
    Interaction,
    Verification,
)

from .errors import DaemonError, DaemonRequestError
from .wire import (
    API_PREFIX,
    BrokerStatus,
    DaemonStatus,
    EventPage,
    FixtureDetail,
    Health,
    InteractionPage,
    MockInfo,
    ProjectInfo,
    ProviderChoice,
    PruneResult,
    StoreStats,
    UploadReceipt,
    VerificationFinish,
    VerificationLaunch,
    VerificationRun,
    VerificationStep,
    event_from_wire,
)

T = TypeVar("T")
Params = dict[str, str | int]


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    decode: Callable[[Any], T]
    params: Params = field(default_factory=dict)
    body: Any = None
    none_on_404: bool = False  # a missing record is an answer (None), not an error

    def finish(self, response: httpx.Response) -> T:
        """The decoded answer, or `DaemonRequestError` with the daemon's message."""
        if self.none_on_404 and response.status_code == 404:
            return self.decode(None)
        if response.status_code >= 400:
            message, detail = f"{response.reason_phrase}", None
            try:
                data = response.json()
                message, detail = str(data.get("error", message)), data.get("detail")
            except (ValueError, AttributeError):
                message = response.text[:200] or message
            raise DaemonRequestError(response.status_code, message, detail)
        try:
            return self.decode(response.json())
        except (ValueError, ValidationError) as exc:
            raise DaemonError(
                f"the daemon's answer to {self.method} {self.path} is not what this client "
                f"expects ({exc.__class__.__name__}: {str(exc)[:200]}); are both the same version?"
            ) from None


def _params(**values: str | int | None) -> Params:
    return {key: value for key, value in values.items() if value is not None}


def _adapter(kind: type[T]) -> Callable[[Any], T]:
    return TypeAdapter(kind).validate_python


def _list_of(kind: type[T], key: str) -> Callable[[Any], list[T]]:
    adapter = TypeAdapter(list[kind])  # type: ignore[valid-type]

    def decode(data: Any) -> list[T]:
        result: list[T] = adapter.validate_python(data[key])
        return result

    return decode


def _optional(kind: type[T]) -> Callable[[Any], T | None]:
    adapter = TypeAdapter(kind)

    def decode(data: Any) -> T | None:
        return None if data is None else adapter.validate_python(data)

    return decode


def _event_page(data: Any) -> EventPage:
    return EventPage(
        events=[event_from_wire(e) for e in data["events"]], last_seq=int(data["last_seq"])
    )


def _events(data: Any) -> list[Event]:
    return [event_from_wire(e) for e in data["alerts"]]


def health() -> Call[Health]:
    return Call("GET", f"{API_PREFIX}/health", _adapter(Health))


def status() -> Call[DaemonStatus]:
    return Call("GET", f"{API_PREFIX}/status", _adapter(DaemonStatus))


def interactions(
    *,
    provider: str | None = None,
    consumer: str | None = None,
    test: str | None = None,
    operation: str | None = None,
    run: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    text: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[InteractionPage]:
    """``status``: a class (``"4xx"``) or one status (``"404"``); ``kind``: ``contract`` or
    ``exploratory``; ``text``: matched case-insensitively anywhere in the method, path,
    operation id or test id."""
    params = _params(
        provider=provider,
        consumer=consumer,
        test=test,
        operation=operation,
        run=run,
        status=status,
        kind=kind,
        q=text,
        limit=limit,
        offset=offset,
    )
    return Call("GET", f"{API_PREFIX}/interactions", _adapter(InteractionPage), params)


def test_runs() -> Call[list[dict[str, Any]]]:
    """The test runs the daemon remembers, newest first: ``run_id``, ``project``,
    ``source``, ``state`` (running/finished), ``started_at``, ``finished_at``, ``counts``."""
    return Call("GET", f"{API_PREFIX}/test-runs", _runs)


def _runs(data: Any) -> list[dict[str, Any]]:
    runs = data["runs"]
    if not isinstance(runs, list) or not all(isinstance(run, dict) for run in runs):
        raise ValueError("'runs' is not a list of objects")
    return runs


def interaction(interaction_id: str) -> Call[Interaction | None]:
    return Call(
        "GET",
        f"{API_PREFIX}/interactions/{interaction_id}",
        _optional(Interaction),
        none_on_404=True,
    )


def _strings(key: str) -> Callable[[Any], list[str]]:
    def decode(data: Any) -> list[str]:
        found = data[key]
        if not isinstance(found, list) or not all(isinstance(i, str) for i in found):
            raise ValueError(f"{key!r} is not a list of strings")
        return found

    return decode


def delete_interactions(ids: Iterable[str]) -> Call[list[str]]:
    """Delete interactions by id; the ids of those that were there."""
    body = {"ids": list(ids)}
    return Call("POST", f"{API_PREFIX}/interactions/delete", _strings("deleted"), body=body)


def promote_interactions(ids: Iterable[str]) -> Call[list[Interaction]]:
    """Make interactions part of their consumer's contract; those found."""
    body = {"ids": list(ids)}
    return Call(
        "POST",
        f"{API_PREFIX}/interactions/promote",
        _list_of(Interaction, "promoted"),
        body=body,
    )


def sync_state() -> Call[BrokerStatus]:
    """The sync with the broker: connected, queued, last push and pull, last error."""
    return Call("GET", f"{API_PREFIX}/sync", _adapter(BrokerStatus))


def sync_now() -> Call[BrokerStatus]:
    """Push the outbox and pull the broker's news now; the state after."""
    return Call("POST", f"{API_PREFIX}/sync", _adapter(BrokerStatus), body={})


def store_stats() -> Call[StoreStats]:
    """What the store holds: records per table and provider, bytes, sampled counts."""
    return Call("GET", f"{API_PREFIX}/store/stats", _adapter(StoreStats))


def prune_store(*, retention_days: float | None, dry_run: bool) -> Call[PruneResult]:
    """Remove what no longer belongs to a contract (``dry_run``: only say what)."""
    body: dict[str, Any] = {"dry_run": dry_run}
    if retention_days is not None:
        body["retention_days"] = retention_days
    return Call("POST", f"{API_PREFIX}/store/prune", _adapter(PruneResult), body=body)


def upload_interactions(
    items: Iterable[Interaction], fixtures: Iterable[Fixture] = ()
) -> Call[UploadReceipt]:
    body: dict[str, Any] = {"interactions": [i.to_json() for i in items]}
    fixture_docs = [f.to_json() for f in fixtures]
    if fixture_docs:
        body["fixtures"] = fixture_docs
    return Call("POST", f"{API_PREFIX}/interactions", _adapter(UploadReceipt), body=body)


def fixtures(
    *, provider: str | None = None, status: FixtureStatus | str | None = None
) -> Call[list[Fixture]]:
    params = _params(provider=provider, status=None if status is None else str(status))
    return Call("GET", f"{API_PREFIX}/fixtures", _list_of(Fixture, "fixtures"), params)


def approve(fixture_id: str, *, by: str | None = None) -> Call[Fixture]:
    body = {} if by is None else {"by": by}
    return Call("POST", f"{API_PREFIX}/fixtures/{fixture_id}/approve", _adapter(Fixture), body=body)


def reject(fixture_id: str, note: str | None = None) -> Call[Fixture]:
    return Call(
        "POST", f"{API_PREFIX}/fixtures/{fixture_id}/reject", _adapter(Fixture), body={"note": note}
    )


def set_fixture_notes(fixture_id: str, notes: str | None) -> Call[Fixture]:
    return Call(
        "PUT", f"{API_PREFIX}/fixtures/{fixture_id}/notes", _adapter(Fixture), body={"notes": notes}
    )


def fixture_detail(fixture_id: str) -> Call[FixtureDetail | None]:
    """A fixture with its operation's schemas and what does not fit them; None if unknown."""
    return Call(
        "GET",
        f"{API_PREFIX}/fixtures/{fixture_id}/detail",
        _optional(FixtureDetail),
        none_on_404=True,
    )


def verifications(
    *, provider: str | None = None, limit: int | None = None
) -> Call[list[Verification]]:
    params = _params(provider=provider, limit=limit)
    return Call(
        "GET", f"{API_PREFIX}/verifications", _list_of(Verification, "verifications"), params
    )


def deployments(
    *, service: str | None = None, environment: str | None = None
) -> Call[list[Deployment]]:
    params = _params(service=service, environment=environment)
    return Call("GET", f"{API_PREFIX}/deployments", _list_of(Deployment, "deployments"), params)


def alerts() -> Call[list[Event]]:
    return Call("GET", f"{API_PREFIX}/alerts", _events)


def breaking_changes(provider: str | None = None) -> Call[list[BreakingChange]]:
    """The breaking-change alerts that stand (the last ``spec.breaking_change`` of each
    watched spec, when it has changes)."""
    params = _params(provider=provider)
    return Call(
        "GET",
        f"{API_PREFIX}/breaking-changes",
        _list_of(BreakingChange, "breaking_changes"),
        params,
    )


def mocks() -> Call[list[MockInfo]]:
    return Call("GET", f"{API_PREFIX}/mocks", _list_of(MockInfo, "mocks"))


def attach_project(path: Path | str, *, auto: bool = False) -> Call[ProjectInfo]:
    """Attach a project. ``auto``: a command or test run attaching its own project, which
    the daemon refuses (409) when the user detached it."""
    config = Path(path).expanduser().resolve()
    body = {"path": str(config), "auto": auto}
    return Call("POST", f"{API_PREFIX}/projects", _adapter(ProjectInfo), body=body)


def detach_project(path: Path | str) -> Call[ProjectInfo]:
    """Detach an attached project (``path``: its config file, as `projects` lists it)."""
    body = {"path": str(path)}
    return Call("POST", f"{API_PREFIX}/projects/detach", _adapter(ProjectInfo), body=body)


def projects() -> Call[list[ProjectInfo]]:
    return Call("GET", f"{API_PREFIX}/projects", _list_of(ProjectInfo, "projects"))


def events_since(seq: int = 0, limit: int = 100) -> Call[EventPage]:
    params: Params = {"since": seq, "limit": limit}
    return Call("GET", f"{API_PREFIX}/events", _event_page, params)


def _seq(data: Any) -> int:
    return int(data["seq"])


def report_test_event(
    kind: str,
    run_id: str,
    project: str,
    *,
    test_id: str | None = None,
    outcome: str | None = None,
    duration_s: float | None = None,
    counts: dict[str, int] | None = None,
) -> Call[int]:
    """A test run's event (``test_run.started``, ``test.finished``, ...); the answer is the
    published event's sequence number."""
    body: dict[str, Any] = {"kind": kind, "run_id": run_id, "project": project}
    optional = {"test_id": test_id, "outcome": outcome, "duration_s": duration_s, "counts": counts}
    body.update({key: value for key, value in optional.items() if value is not None})
    return Call("POST", f"{API_PREFIX}/test-runs/events", _seq, body=body)


# -- verification runs -------------------------------------------------------------------

RUNS = f"{API_PREFIX}/verification-runs"


def open_verification_run(
    provider: str,
    provider_version: str,
    *,
    total: int,
    environment: str = "local",
    project: str | None = None,
    base_url: str | None = None,
    run_id: str | None = None,
) -> Call[VerificationRun]:
    """Tell the daemon a verification starts (it emits ``verification.started``). ``run_id``:
    the run id the daemon gave a verification it started itself (``--run-id``)."""
    body: dict[str, Any] = {
        "provider": provider,
        "provider_version": provider_version,
        "environment": environment,
        "total": total,
    }
    optional = {"project": project, "base_url": base_url, "id": run_id}
    body.update({key: value for key, value in optional.items() if value is not None})
    return Call("POST", RUNS, _adapter(VerificationRun), body=body)


def report_verification_progress(
    run_id: str, *, done: int, passed: int, failed: int, last: VerificationStep | None = None
) -> Call[int]:
    """A run's progress (the daemon emits ``verification.progress``); the event's sequence
    number. Throttle: the daemon forwards every report."""
    body: dict[str, Any] = {"done": done, "passed": passed, "failed": failed}
    if last is not None:
        body["last"] = last.model_dump(mode="json", exclude_none=True)
    return Call("POST", f"{RUNS}/{run_id}/progress", _seq, body=body)


def finish_verification_run(
    run_id: str,
    verifications: Iterable[Verification],
    fixtures: Iterable[Fixture] = (),
    *,
    skipped: int = 0,
) -> Call[VerificationFinish]:
    """A run's results: the daemon stores the verifications and those candidate draft
    fixtures it does not have yet, and emits ``verification.finished``."""
    body = {
        "verifications": [v.to_json() for v in verifications],
        "fixtures": [f.to_json() for f in fixtures],
        "skipped": skipped,
    }
    return Call("POST", f"{RUNS}/{run_id}/finish", _adapter(VerificationFinish), body=body)


def abandon_verification_run(run_id: str, error: str) -> Call[VerificationFinish]:
    """End a run that could not complete: nothing is stored, ``verification.finished``
    carries the error."""
    return Call(
        "POST", f"{RUNS}/{run_id}/finish", _adapter(VerificationFinish), body={"error": error}
    )


def verification_runs() -> Call[list[VerificationRun]]:
    """The runs the daemon remembers (the recent ones), newest first, without failures."""
    return Call("GET", RUNS, _list_of(VerificationRun, "runs"))


def verification_run(run_id: str) -> Call[VerificationRun | None]:
    """One run with its failures; None when the daemon does not know it (any more)."""
    return Call("GET", f"{RUNS}/{run_id}", _optional(VerificationRun), none_on_404=True)


def start_verification(
    project: Path | str,
    base_url: str | None = None,
    *,
    state_handlers: str | None = None,
    on_missing: str | None = None,
    only_new: bool = False,
    environment: str | None = None,
) -> Call[VerificationLaunch]:
    """Have the daemon run ``entente verify`` for a provider project (its folder or config
    file); the options default to the project's ``[provider]`` settings."""
    body: dict[str, Any] = {"project": str(Path(project).expanduser().resolve())}
    optional = {
        "base_url": base_url,
        "state_handlers": state_handlers,
        "on_missing": on_missing,
        "environment": environment,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    if only_new:
        body["only_new"] = True
    return Call("POST", f"{API_PREFIX}/verify", _adapter(VerificationLaunch), body=body)


def provider_choices(project: Path | str | None = None) -> Call[list[ProviderChoice]]:
    """The provider projects to offer for verifying, best first: ``project`` (the asker's
    config file) when it provides a spec, those providing what it consumes, a provider
    project next to a consumed spec, then the daemon's other provider projects."""
    config = None if project is None else str(Path(project).expanduser().resolve())
    decode = _list_of(ProviderChoice, "providers")
    return Call("GET", f"{API_PREFIX}/verify/providers", decode, _params(project=config))
