"""Each entity through its repository: round-trips, de-duplication, filters and paging."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.errors import StoreError
from entente_daemon.model import (
    Deployment,
    DeploymentStatus,
    ErrorKind,
    Event,
    EventKind,
    Fixture,
    FixtureSource,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    MatchContext,
    Role,
    Service,
    SpecVersion,
    Verification,
    VerificationResult,
)
from entente_daemon.store import Store

from .conftest import interaction

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def fixture(n: int, **fields: object) -> Fixture:
    values: dict[str, object] = {
        "provider": "castle-service",
        "provider_versions": ["2.0.0"],
        "operation_id": "getCastle",
        "request": HttpRequest(method="GET", path=f"/castles/{n}"),
        "response": HttpResponse(status=200, body={"id": n}),
    }
    values.update(fields)
    return Fixture.model_validate(values)


def test_every_entity_round_trips(tmp_path: Path) -> None:
    service = Service(name="castle-service", role=Role.PROVIDER, description="castles")
    spec = SpecVersion.of("castle-service", "2.0.0", {"openapi": "3.0.3", "paths": {}}, "a.yaml")
    recorded = interaction(
        1,
        operation_id="getCastle",
        provider_state="a castle exists",
        request=HttpRequest(
            method="POST", path="/castles", query={"q": ["a", "b"]}, headers={"x": "1"}, body=[1]
        ),
        match=MatchContext(operation_id="getCastle", source="fixture", reasons=["matched"]),
        test_id="tests/test_castle.py::test_get",
        run_id="run-1",
        timestamp=T0,
    ).with_hash()
    approved = fixture(1, status=FixtureStatus.APPROVED, source=FixtureSource.PROVIDER)
    verification = Verification(
        provider="castle-service",
        provider_version="2.0.0",
        consumer="castle-client",
        consumer_version="1.0.0",
        finished_at=T0,
        results=[
            VerificationResult(interaction_id=recorded.id, ok=True),
            VerificationResult(
                interaction_id="x",
                ok=False,
                error_kind=ErrorKind.SCHEMA_MISMATCH,
                path="$.name",
                expected="string",
                actual=3,
            ),
        ],
    )
    deployment = Deployment(service="castle-service", version="2.0.0", environment="prod")
    event = Event(kind=EventKind.FIXTURE_APPROVED, payload={"id": approved.id, "n": [1, None]})

    with Store.open(tmp_path) as store:
        assert store.services.upsert(service) == "castle-service"
        assert store.spec_versions.add(spec) == "castle-service@2.0.0"
        assert store.interactions.add(recorded) == recorded.id
        assert store.fixtures.add(approved) == approved.id
        assert store.verifications.add(verification) == verification.id
        assert store.deployments.add(deployment) == deployment.id
        seq = store.events.append(event)

    with Store.open(tmp_path) as store:
        assert store.services.get("castle-service") == service
        assert store.spec_versions.get("castle-service@2.0.0") == spec
        assert store.spec_versions.get_version("castle-service", "2.0.0") == spec
        assert store.interactions.get(recorded.id) == recorded
        assert store.fixtures.get(approved.id) == approved.with_hash()
        assert store.verifications.get(verification.id) == verification
        assert store.deployments.get(deployment.id) == deployment
        assert store.events.since(0) == [event.model_copy(update={"seq": seq})]


def test_default_location_is_in_the_entente_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTENTE_HOME", str(tmp_path / "home"))
    with Store.open() as store:
        store.services.upsert(Service(name="castle-client"))
    assert (tmp_path / "home" / "store" / "store.json").is_file()
    with Store.open(tmp_path / "home" / "store", readonly=True) as store:
        assert store.services.ids() == ["castle-client"]


def test_interactions_are_deduplicated_by_content_hash(tmp_path: Path) -> None:
    first = interaction(1, timestamp=T0)
    # The same exchange, later, in another run: the newest run is kept.
    again = interaction(1, timestamp=T0 + timedelta(seconds=5)).model_copy(
        update={"run_id": "run-2"}
    )
    other = interaction(2, timestamp=T0)
    with Store.open(tmp_path) as store:
        first_id = store.interactions.add(first)
        assert store.interactions.add(again) == first_id
        assert store.interactions.add(other) != first_id
        assert store.interactions.count() == 2
    with Store.open(tmp_path) as store:
        stored = store.interactions.get(first_id)
        assert stored is not None
        assert stored.count == 2
        assert stored.last_seen == again.timestamp
        assert stored.timestamp == T0
        assert stored.run_id == "run-2"
        assert store.interactions.find_by_hash(first.with_hash().content_hash) == stored
        # The index is rebuilt from disk: a third sighting still folds into the first.
        assert store.interactions.add(interaction(1)) == first_id
        assert store.interactions.get(first_id).count == 3  # type: ignore[union-attr]
        assert store.interactions.find_by_hash("0" * 64) is None


def test_interaction_filters_and_paging(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        for n in range(30):
            store.interactions.add(
                interaction(
                    n,
                    provider=f"provider-{n % 3}",
                    consumer=f"consumer-{n % 2}",
                    test_id=f"test-{n % 5}",
                )
            )
        everything = store.interactions.list()
        assert len(everything) == 30
        assert [i.request.path for i in everything] == [f"/castles/{n}" for n in range(30)]
        p0 = store.interactions.list(provider="provider-0")
        assert {i.request.path for i in p0} == {f"/castles/{n}" for n in range(0, 30, 3)}
        both = store.interactions.list(provider="provider-1", consumer="consumer-0", test_id=None)
        assert {i.request.path for i in both} == {f"/castles/{n}" for n in (4, 10, 16, 22, 28)}
        by_test = store.interactions.list(test_id="test-2")
        assert [i.request.path for i in by_test] == [
            f"/castles/{n}" for n in (2, 7, 12, 17, 22, 27)
        ]
        pages = [store.interactions.list(limit=7, offset=k) for k in range(0, 30, 7)]
        assert [i.id for page in pages for i in page] == [i.id for i in everything]
        assert (
            store.interactions.list(provider="provider-2", limit=2, offset=3)
            == [i for i in everything if i.provider == "provider-2"][3:5]
        )
        assert store.interactions.list(limit=0) == []
        assert store.interactions.list(provider="nobody") == []
        with pytest.raises(ValueError, match="negative"):
            store.interactions.list(offset=-1)


def test_returned_models_do_not_alias_stored_documents(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        record_id = store.interactions.add(interaction(1))
        got = store.interactions.get(record_id)
        assert got is not None
        got.response.body["towers"].append(99)
        assert store.interactions.get(record_id).response.body["towers"] == [1, 2, 3]  # type: ignore[union-attr]


def test_fixtures_list_update_and_status(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        ids = [
            store.fixtures.add(fixture(n, operation_id="getCastle" if n % 2 else "listCastles"))
            for n in range(6)
        ]
        with pytest.raises(StoreError, match="already exists"):
            store.fixtures.add(fixture(0, id=ids[0]))
        approved = store.fixtures.set_status(ids[1], FixtureStatus.APPROVED, by="alice")
        assert approved.approved_by == "alice"
        assert approved.approved_at is not None
        store.fixtures.set_status(ids[3], FixtureStatus.REJECTED)
        changed = store.fixtures.get(ids[5])
        assert changed is not None
        store.fixtures.update(changed.model_copy(update={"priority": 7, "notes": "edited"}))
        with pytest.raises(StoreError, match="no record"):
            store.fixtures.update(fixture(9))
        with pytest.raises(StoreError, match="no record"):
            store.fixtures.set_status("missing", FixtureStatus.APPROVED)
        store.fixtures.add(fixture(9, provider="dragon-service"))

    with Store.open(tmp_path) as store:
        assert [f.id for f in store.fixtures.list(status=FixtureStatus.APPROVED)] == [ids[1]]
        assert [f.id for f in store.fixtures.list(status=FixtureStatus.REJECTED)] == [ids[3]]
        drafts = store.fixtures.list(provider="castle-service", status=FixtureStatus.DRAFT)
        assert [f.id for f in drafts] == [ids[0], ids[2], ids[4], ids[5]]
        assert [f.id for f in store.fixtures.list(operation_id="listCastles")] == ids[0::2]
        assert len(store.fixtures.list(provider="dragon-service")) == 1
        edited = store.fixtures.get(ids[5])
        assert edited is not None
        assert (edited.priority, edited.notes) == (7, "edited")
        assert store.fixtures.delete(ids[0]) is True
        assert store.fixtures.delete(ids[0]) is False
        assert store.fixtures.count() == 6


def test_spec_versions_by_service(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        for n, version in enumerate(["1.0.0", "1.1.0", "2.0.0"]):
            spec = SpecVersion.of("castle-service", version, {"v": version})
            store.spec_versions.add(spec.model_copy(update={"uploaded_at": T0 + timedelta(n)}))
        store.spec_versions.add(SpecVersion.of("dragon-service", "1.0.0", {}))
        again = SpecVersion.of("castle-service", "1.1.0", {"v": "replaced"})
        store.spec_versions.add(again.model_copy(update={"uploaded_at": T0 + timedelta(1)}))
    with Store.open(tmp_path) as store:
        versions = store.spec_versions.list_versions("castle-service")
        assert [v.version for v in versions] == ["1.0.0", "1.1.0", "2.0.0"]
        assert versions[1].spec == {"v": "replaced"}
        assert store.spec_versions.latest("castle-service").version == "2.0.0"  # type: ignore[union-attr]
        assert store.spec_versions.latest("nobody") is None
        assert store.spec_versions.count() == 4


def test_services_upsert_by_name(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.services.upsert(Service(name="castle-service", created_at=T0))
        store.services.upsert(Service(name="castle-service", role=Role.PROVIDER))
        store.services.upsert(Service(name="castle-client"))
        assert store.services.count() == 2
        kept = store.services.get("castle-service")
        assert kept is not None
        assert (kept.role, kept.created_at) == (Role.PROVIDER, T0)
        assert [s.name for s in store.services.list(role=Role.CONSUMER)] == ["castle-client"]


def test_verifications_and_deployments(tmp_path: Path) -> None:
    def run(consumer: str, version: str) -> Verification:
        return Verification(
            provider="castle-service",
            provider_version=version,
            consumer=consumer,
            consumer_version="1.0.0",
        )

    with Store.open(tmp_path) as store:
        runs = [run("castle-client", "1"), run("castle-client", "2"), run("dragon-client", "2")]
        for each in runs:
            store.verifications.add(each)
        runs[0].results.append(VerificationResult(interaction_id="i", ok=False))
        store.verifications.save(runs[0])
        first = store.deployments.add(
            Deployment(service="castle-service", version="1", environment="prod")
        )
        store.deployments.add(Deployment(service="castle-service", version="1", environment="test"))
        second = store.deployments.add(
            Deployment(service="castle-service", version="2", environment="prod")
        )
        store.deployments.add(Deployment(service="castle-client", version="1", environment="prod"))

    with Store.open(tmp_path) as store:
        assert [v.id for v in store.verifications.list(consumer="castle-client")] == [
            runs[0].id,
            runs[1].id,
        ]
        assert [v.id for v in store.verifications.list(provider_version="2")] == [
            runs[1].id,
            runs[2].id,
        ]
        assert store.verifications.get(runs[0].id).failed == 1  # type: ignore[union-attr]
        prod = store.deployments.active(environment="prod")
        assert {(d.service, d.version) for d in prod} == {
            ("castle-service", "2"),
            ("castle-client", "1"),
        }
        assert store.deployments.get(first).active is False  # type: ignore[union-attr]
        assert len(store.deployments.active()) == 3
        store.deployments.undeploy("castle-service", "prod")
        assert store.deployments.active(environment="prod", service="castle-service") == []
        assert len(store.deployments.list(service="castle-service")) == 4  # the log keeps all
        assert store.deployments.get(second).active is False  # type: ignore[union-attr]


def test_the_active_deployment_is_worked_out_from_the_log(tmp_path: Path) -> None:
    """A rollback is a deployment of the older version; a failed attempt never goes live;
    an undeployment ends the service's life there; history is kept throughout."""

    def deploy(version: str, **fields: Any) -> str:
        return store.deployments.add(
            Deployment(service="castle-service", version=version, environment="prod", **fields)
        )

    def live() -> list[str]:
        return [d.version for d in store.deployments.active(environment="prod")]

    with Store.open(tmp_path) as store:
        deploy("1")
        deploy("2")
        assert live() == ["2"]
        deploy("3", status=DeploymentStatus.FAILED, reason="health check")
        assert live() == ["2"], "a failed attempt is never active"
        deploy("1")  # the rollback
        assert live() == ["1"]
        with pytest.raises(StoreError, match="not deployed to staging"):
            store.deployments.undeploy("castle-service", "staging")
    with Store.open(tmp_path) as store:
        assert live() == ["1"]
        store.deployments.undeploy("castle-service", "prod")
        assert live() == []
        versions = [d.version for d in store.deployments.list(environment="prod")]
        assert versions == ["1", "1", "3", "2", "1"], "newest first, nothing lost"


def test_events_have_a_growing_sequence(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        seqs = [
            store.events.append(Event(kind=EventKind.TEST_STARTED, payload={"n": n}))
            for n in range(10)
        ]
        assert seqs == list(range(1, 11))
        assert [e.payload["n"] for e in store.events.since(3, limit=4)] == [3, 4, 5, 6]
        assert [e.seq for e in store.events.since(3, limit=4)] == [4, 5, 6, 7]
        assert store.events.since(10) == []
    with Store.open(tmp_path) as store:
        assert store.events.append(Event(kind=EventKind.TEST_FINISHED)) == 11
        assert store.events.trim(keep=3) == 8
        assert [e.seq for e in store.events.since(0)] == [9, 10, 11]
        assert store.events.trim(keep=0) == 3
        assert store.events.since(0) == []
    with Store.open(tmp_path) as store:
        # Numbers are never handed out twice, even once the events are gone.
        assert store.events.last_seq() == 11
        assert store.events.append(Event(kind=EventKind.TEST_FINISHED)) == 12
        assert [e.seq for e in store.events.since(5)] == [12]


def test_threads_share_one_store(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:

        def record(worker: int) -> None:
            for n in range(300):
                store.interactions.add(interaction(n, consumer=f"consumer-{worker}"))
                store.events.append(Event(kind=EventKind.INTERACTION_RECORDED))

        threads = [threading.Thread(target=record, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with Store.open(tmp_path) as store:
        assert store.interactions.count() == 1200
        assert [e.seq for e in store.events.since(0, limit=5000)] == list(range(1, 1201))


def test_closed_and_read_only_stores_refuse_writes(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.services.upsert(Service(name="x"))
    with Store.open(tmp_path, readonly=True) as reader:
        with pytest.raises(StoreError, match="read-only"):
            reader.services.upsert(Service(name="x"))
        assert reader.services.count() == 0


def test_add_counted_says_whether_new_and_the_stored_count(tmp_path: Path) -> None:
    first = interaction(1, timestamp=T0)
    with Store.open(tmp_path) as store:
        added = store.interactions.add_counted(first)
        assert (added.id, added.new, added.count) == (first.id, True, 1)
        # The very same record sent again (same id, same content) is a repeat, not new.
        again = store.interactions.add_counted(first)
        assert (again.id, again.new, again.count) == (first.id, False, 2)
        other = store.interactions.add_counted(interaction(2, timestamp=T0))
        assert other.new
        assert other.count == 1
