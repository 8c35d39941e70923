"""Flagging approved fixtures that no longer fit a new spec: what `fixture_check` finds, kept
on each fixture (`FixtureFlag`) and announced as ``fixture.flagged`` events.

`flag_fixtures` is one job for whoever writes the store: the daemon's recorder, on its writer
thread, whenever a hosted mock's spec loads or reloads (and for ``POST /v1/fixtures/check``);
``entente fixtures check`` itself when no daemon runs. It:

* checks the provider's **approved** fixtures that apply to the spec's version (fixtures
  pinned to other versions are left as they are);
* stores a new flag on each fixture whose problems are new or changed, and announces it:
  ``fixture.flagged`` with ``problems`` (and ``cleared: false``);
* removes the flag of each flagged fixture that fits again, and announces that too:
  ``fixture.flagged`` with ``problems: []`` and ``cleared: true``, so that whoever showed the
  alert can take it down;
* announces a flag stored but never announced (``event_seq`` None: the flag is stored before
  its event, and storing the event failed), once;
* writes and emits nothing else: rechecking an unchanged spec is silent.

A flagged fixture stays approved: the mock skips it while it does not validate (its own check
at serve time), and a person decides whether to fix, reject or keep it. ``GET /v1/alerts``
lists one alert per flagged approved fixture for as long as it stays flagged (`flag_alerts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from entente_daemon.model import Event, EventKind, Fixture, FixtureFlag, FixtureStatus
from entente_daemon.spec import Spec
from entente_daemon.store import Store
from entente_daemon.verify.fixture_check import check_fixtures

#: Stores events and gives them back with their sequence numbers (the writer's ``emit``).
Emit = Callable[[Sequence[Event]], list[Event]]


@dataclass
class FlagReport:
    """What one check of a provider's approved fixtures against a spec found and changed.
    ``flagged``: every checked fixture that does not fit, as stored now; ``announced``: the
    ids whose flag was newly set or changed (an event was emitted); ``cleared``: the ids
    whose flag was removed."""

    provider: str
    spec: str
    checked: int = 0
    flagged: list[Fixture] = field(default_factory=list)
    announced: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "spec": self.spec,
            "checked": self.checked,
            "flagged": [f.to_json() for f in self.flagged],
            "announced": self.announced,
            "cleared": self.cleared,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlagReport:
        return cls(
            provider=str(data["provider"]),
            spec=str(data["spec"]),
            checked=int(data["checked"]),
            flagged=[Fixture.from_json(f) for f in data["flagged"]],
            announced=[str(i) for i in data["announced"]],
            cleared=[str(i) for i in data["cleared"]],
        )


def spec_label(where: str, version: str) -> str:
    """What a flag says it was checked against: ``/…/openapi.yaml (version 1.1.0)``."""
    return f"{where} (version {version})" if version else where


def flag_fixtures(
    store: Store, emit: Emit, spec: Spec, provider: str, *, version: str, checked_against: str
) -> FlagReport:
    """Check ``provider``'s approved fixtures against ``spec`` (its version ``version``),
    store and announce what changed (see the module docstring). Run by the store's writer."""
    report = FlagReport(provider, checked_against)
    approved = store.fixtures.list(provider=provider, status=FixtureStatus.APPROVED)
    checks = check_fixtures(spec, approved, version=version)
    report.checked = len(checks)
    changed: list[Fixture] = []
    for check in checks:
        fixture, old = check.fixture, check.fixture.flag
        if check.problems:
            if old is not None and old.problems == check.problems:
                report.flagged.append(fixture)
                if old.event_seq is not None:
                    continue  # known and announced: nothing to say
                flag = old
            else:
                flag = FixtureFlag(problems=check.problems, checked_against=checked_against)
            changed.append(fixture.model_copy(update={"flag": flag}))
        elif old is not None:
            changed.append(fixture.model_copy(update={"flag": None}))
    if not changed:
        return report
    # Stored before the events go out, so that whoever reacts to one reads the new state.
    for fixture in changed:
        store.fixtures.update(fixture)
    events = emit([Event(kind=EventKind.FIXTURE_FLAGGED, payload=flag_payload(f)) for f in changed])
    for fixture, event in zip(changed, events, strict=True):
        if fixture.flag is None:
            report.cleared.append(fixture.id)
            continue
        announced = fixture.model_copy(
            update={"flag": fixture.flag.model_copy(update={"event_seq": event.seq})}
        )
        store.fixtures.update(announced)
        report.announced.append(fixture.id)
        report.flagged = [f for f in report.flagged if f.id != fixture.id] + [announced]
    return report


def flag_payload(fixture: Fixture) -> dict[str, Any]:
    """A ``fixture.flagged`` event's payload; ``problems`` empty (``cleared``) when the
    fixture fits again."""
    flag = fixture.flag
    return {
        "id": fixture.id,
        "provider": fixture.provider,
        "operation_id": fixture.operation_id,
        "status": str(fixture.status),
        "problems": list(flag.problems) if flag is not None else [],
        "spec": flag.checked_against if flag is not None else None,
        "cleared": flag is None,
    }


def flag_alerts(fixtures: Iterable[Fixture]) -> list[Event]:
    """One alert per flagged approved fixture, oldest announcement first: the event that
    announced its flag (sequence number 0 when it was never announced)."""
    alerts = [
        Event(
            seq=fixture.flag.event_seq or 0,
            kind=EventKind.FIXTURE_FLAGGED,
            payload=flag_payload(fixture),
            time=fixture.flag.flagged_at,
        )
        for fixture in fixtures
        if fixture.flag is not None and fixture.status is FixtureStatus.APPROVED
    ]
    return sorted(alerts, key=lambda e: e.seq)


def appending(store: Store) -> Emit:
    """An ``emit`` for a store opened by a command while no daemon runs: the events are
    appended (a daemon started later, or the TUI, reads them from there)."""

    def emit(events: Sequence[Event]) -> list[Event]:
        return [e.model_copy(update={"seq": store.events.append(e)}) for e in events]

    return emit
