"""The same behaviour from both implementations of the records port: the local store and a
real daemon (see conftest). Whatever a caller reads or writes through `Records` must not
depend on which one answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from entente_daemon.errors import EntenteError
from entente_daemon.model import (
    Event,
    EventKind,
    Fixture,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    Verification,
    VerificationResult,
)
from entente_daemon.records import Records, SpecTarget, open_records
from tests.daemon.conftest import interaction, wait_for

from .conftest import SEEDED, SPECS, World

T = TypeVar("T")


def fixture(provider: str, n: int, *, operation: str = "getCastle") -> Fixture:
    return Fixture(
        provider=provider,
        operation_id=operation,
        request=HttpRequest(method="GET", path=f"/castles/{n}"),
        response=HttpResponse(status=200, body={"id": n, "name": f"castle {n}"}),
    ).with_hash()


def eventually(read: Callable[[], T], accept: Callable[[T], bool], what: str) -> T:
    """``read()`` once ``accept`` takes it (the daemon announces after it stores)."""
    found: list[T] = []

    def check() -> bool:
        found[:] = [read()]
        return accept(found[0])

    wait_for(check, timeout=20, what=what)
    return found[0]


def decisions(records: Records, fixture_id: str) -> Callable[[], list[Event]]:
    def read() -> list[Event]:
        events: list[Event] = []
        while page := records.events_since(events[-1].seq if events else 0, 1000):
            events.extend(page)
        return [
            e for e in events if e.kind.startswith("fixture.") and e.payload["id"] == fixture_id
        ]

    return read


def test_it_says_where_the_records_are(world: World, records: Records) -> None:
    assert records.source == world.kind
    if world.kind == "store":
        assert records.describe() == f"the store at {world.store_path}"
    else:
        assert records.describe().startswith("the Entente daemon (")


def test_interactions_are_added_and_paged_with_a_filter(records: Records, provider: str) -> None:
    batch = [interaction(n, provider=provider, consumer=f"c{n % 2}") for n in range(5)]
    records.add_interactions(batch)

    page = records.interactions(provider=provider, limit=2)
    assert (page.total, page.offset, len(page.items)) == (5, 3, 2)
    assert [i.request.path for i in page.items] == ["/castles/3", "/castles/4"]
    first = records.interactions(provider=provider, consumer="c0", limit=10, offset=0)
    assert [i.request.path for i in first.items] == ["/castles/0", "/castles/2", "/castles/4"]
    everything = records.provider_interactions(provider)
    assert sorted(i.request.path for i in everything) == [f"/castles/{n}" for n in range(5)]


def test_a_repeated_interaction_is_counted_not_added(records: Records, provider: str) -> None:
    records.add_interactions([interaction(1, provider=provider)])
    records.add_interactions([interaction(1, provider=provider)])

    [stored] = records.provider_interactions(provider)
    assert stored.count == 2


def test_new_fixtures_are_added_once(records: Records, provider: str) -> None:
    drafts = [fixture(provider, 1), fixture(provider, 2)]
    assert records.add_interactions([], drafts) == 2
    assert records.add_interactions([], [*drafts, fixture(provider, 3)]) == 1

    stored = records.fixtures(provider=provider)
    assert sorted(f.request.path for f in stored) == ["/castles/1", "/castles/2", "/castles/3"]
    assert {f.status for f in stored} == {FixtureStatus.DRAFT}
    assert records.fixtures(provider=provider, status=FixtureStatus.APPROVED) == []


def test_approving_and_rejecting_are_decisions_with_events(records: Records, provider: str) -> None:
    draft = fixture(provider, 1)
    records.add_interactions([], [draft])

    approved = records.approve(draft.id, by="alice")
    assert (approved.status, approved.approved_by) == (FixtureStatus.APPROVED, "alice")
    assert approved.approved_at is not None
    rejected = records.reject(draft.id, "wrong castle")
    assert (rejected.status, rejected.notes, rejected.approved_by) == (
        FixtureStatus.REJECTED,
        "wrong castle",
        None,
    )

    events = eventually(decisions(records, draft.id), lambda e: len(e) >= 2, "the decisions")
    assert [e.kind for e in events if e.kind != EventKind.FIXTURE_CREATED] == [
        EventKind.FIXTURE_APPROVED,
        EventKind.FIXTURE_REJECTED,
    ]
    approval = next(e for e in events if e.kind == EventKind.FIXTURE_APPROVED)
    assert approval.payload == {
        "id": draft.id,
        "provider": provider,
        "operation_id": "getCastle",
        "status": "approved",
        "by": "alice",
        "note": None,
    }
    [stored] = records.fixtures(provider=provider, status=FixtureStatus.REJECTED)
    assert stored.id == draft.id


def test_notes_are_set_and_cleared(records: Records, provider: str) -> None:
    draft = fixture(provider, 1)
    records.add_interactions([], [draft])

    assert records.set_notes(draft.id, "seen in prod").notes == "seen in prod"
    assert records.set_notes(draft.id, None).notes is None
    [stored] = records.fixtures(provider=provider)
    assert stored.notes is None


def test_changing_an_unknown_fixture_fails(records: Records) -> None:
    with pytest.raises(EntenteError):
        records.approve("no-such-fixture", by="alice")


def test_fixtures_are_checked_against_a_spec_and_flagged(records: Records, provider: str) -> None:
    fits = Fixture(
        provider=provider,
        operation_id="deleteCastle",
        request=HttpRequest(method="DELETE", path="/castles/3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"),
        response=HttpResponse(status=204),
    ).with_hash()
    gone = fixture(provider, 2, operation="getDragon")
    records.add_interactions([], [fits, gone])
    for each in (fits, gone):
        records.approve(each.id, by="alice")

    report = records.check_fixtures(provider, SpecTarget(path=SPECS / "castle.json"))

    assert report.provider == provider
    assert report.checked == 2
    assert [f.id for f in report.flagged] == [gone.id]
    assert report.announced == [gone.id]
    flagged = {f.id: f.flag for f in records.fixtures(provider=provider)}
    assert flagged[fits.id] is None
    assert flagged[gone.id] is not None


def test_a_fixture_check_needs_a_published_spec(records: Records, provider: str) -> None:
    with pytest.raises(EntenteError, match="is published to the local store"):
        records.check_fixtures(provider, SpecTarget())


def test_a_verification_run_stores_results_and_new_fixtures(
    records: Records, provider: str
) -> None:
    recorded = interaction(1, provider=provider)
    result = VerificationResult(interaction_id=recorded.id, operation_id="getCastle", ok=True)
    verification = Verification(
        provider=provider,
        provider_version="2.0.0",
        consumer="castle-client",
        consumer_version="1.0.0",
        results=[result],
    )
    candidate = fixture(provider, 1)

    run = records.verification_run()
    run.open(provider, "2.0.0", total=1, environment="local")
    run.step(recorded, result)
    created = run.finish([verification], [candidate], 0)

    assert run.note is None
    assert created is not None
    assert [f.content_hash for f in created] == [candidate.content_hash]
    [stored] = records.verifications(provider)
    assert (stored.id, stored.ok) == (verification.id, True)
    again = records.verification_run()
    again.open(provider, "2.0.0", total=0, environment="local")
    assert again.finish([], [fixture(provider, 1)], 0) == []


def test_published_specs_are_read(records: Records) -> None:
    latest = records.latest_spec(SEEDED)
    assert latest is not None
    assert latest.version == "1.1.0"
    older = records.spec_version(SEEDED, "1.0.0")
    assert older is not None
    assert older.spec == latest.spec
    assert [v.version for v in records.spec_versions(SEEDED)] == ["1.0.0", "1.1.0"]
    assert records.latest_spec("nobody") is None


def test_deployments_are_listed(records: Records) -> None:
    [deployment] = records.deployments(service=SEEDED)
    assert (deployment.version, deployment.environment) == ("1.1.0", "test")
    assert records.deployments(environment="prod") == []


def test_the_recording_sink_writes_where_the_records_are(world: World, provider: str) -> None:
    sink = world.records().recording_sink()
    try:
        sink.write([interaction(n, provider=provider) for n in range(3)])
        description = sink.describe()
    finally:
        sink.close()

    records = world.records()
    try:
        assert description == records.describe()
        assert len(records.provider_interactions(provider)) == 3
    finally:
        records.close()


def test_open_records_picks_the_daemon_when_it_runs(world: World) -> None:
    with open_records(world.home, store_path=world.store_path) as records:
        assert records.source == world.kind


def test_test_events_go_to_a_daemon_only(world: World) -> None:
    reporter = world.records().test_reporter()
    if world.kind == "store":
        assert reporter is None  # the local store keeps no test runs
        return
    assert reporter is not None
    assert reporter.close(timeout=5.0) is None
