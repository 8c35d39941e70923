"""The outbox: queued in the write that stores a record, off until enabled, bounded, and
never fed by what came from the broker."""

from __future__ import annotations

from pathlib import Path

from entente_daemon.model import Deployment, Environment, Fixture, HttpRequest, HttpResponse
from entente_daemon.store import Store
from entente_daemon.store.outbox import OutboxRepository
from tests.daemon.conftest import interaction


def _fixture(n: int) -> Fixture:
    return Fixture(
        provider="castle-service",
        operation_id="getCastle",
        request=HttpRequest(method="GET", path=f"/castles/{n}"),
        response=HttpResponse(status=200, body={"id": n}),
    )


def test_nothing_is_queued_until_a_broker_is_configured(home: Path) -> None:
    with Store.open(home / "store") as store:
        store.deployments.add(Deployment(service="a", version="1", environment="prod"))
        assert store.outbox.count() == 0
        # Enabling queues what is there already, once.
        assert store.outbox.enable("http://broker") == 1
        assert store.outbox.enable("http://broker") == 0
        assert store.outbox.state().url == "http://broker"


def test_contracts_are_queued_exploratory_traffic_is_not(home: Path) -> None:
    with Store.open(home / "store") as store:
        store.outbox.enable("http://broker")
        made_by_test = interaction(1, test_id="tests/test_castle.py::test_get", run_id="r1")
        exploratory = interaction(2)
        store.interactions.add(made_by_test.with_hash())
        explored_id = store.interactions.add(exploratory.with_hash())
        store.fixtures.add(_fixture(1))
        counts = store.outbox.counts()
        assert counts["interactions"] == 1
        assert counts["fixtures"] == 1
        # Promoting the exploratory one makes it a contract: queued then.
        store.interactions.promote([explored_id])
        assert store.outbox.counts()["interactions"] == 2


def test_a_record_changed_twice_is_queued_once_and_read_as_it_is_then(home: Path) -> None:
    with Store.open(home / "store") as store:
        store.outbox.enable(None)
        store.environments.ensure("prod")
        store.environments.ensure("prod", production=True)
        entries = store.outbox.entries()
        assert [e.key for e in entries] == ["environments:prod"]
        current = store.environments.get(entries[0].record_id)
        assert isinstance(current, Environment)
        assert current.production  # the push reads the record as it is now


def test_records_from_the_broker_are_not_queued_back(home: Path) -> None:
    with Store.open(home / "store") as store:
        store.outbox.enable(None)
        with store.outbox.pulling():
            store.environments.ensure("staging")
            store.fixtures.add(_fixture(2))
        assert store.outbox.count() == 0
        store.environments.ensure("prod")  # outside: queued
        assert store.outbox.count() == 1


def test_the_queue_survives_reopening_and_sent_entries_leave_it(home: Path) -> None:
    with Store.open(home / "store") as store:
        store.outbox.enable(None)
        store.environments.ensure("prod")
        store.environments.ensure("staging")
    with Store.open(home / "store") as store:
        keys = [e.key for e in store.outbox.entries()]
        assert keys == ["environments:prod", "environments:staging"]
        store.outbox.failed(keys[:1], "the broker failed")
        assert store.outbox.entries()[0].attempts == 1
        assert store.outbox.sent(keys[:1]) == 1
    with Store.open(home / "store") as store:
        assert [e.key for e in store.outbox.entries()] == ["environments:staging"]


def test_a_full_outbox_counts_what_it_could_not_take(home: Path) -> None:
    with Store.open(home / "store") as store:
        store.outbox.limit = 2
        store.outbox.enable(None)
        for name in ("a", "b", "c", "d"):
            store.environments.ensure(name)
        assert store.outbox.count() == 2
        assert store.outbox.state().dropped == 2  # counted, and reported by the service


def test_entries_come_in_push_order(home: Path) -> None:
    with Store.open(home / "store") as store:
        store.outbox.enable(None)
        store.deployments.add(Deployment(service="a", version="1", environment="prod"))
        store.environments.ensure("prod")
        kinds = [e.kind.value for e in store.outbox.entries()]
        assert kinds == ["environments", "deployments"]  # what a deployment names goes first


def test_the_store_wires_the_outbox_to_its_engine(home: Path) -> None:
    with Store.open(home / "store") as store:
        assert isinstance(store.outbox, OutboxRepository)
        assert store._engine.observer == store.outbox.observe
