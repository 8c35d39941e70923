"""The sync engine between two stores (a consumer's and a provider's workstation) and a
broker on 127.0.0.1: what is pushed arrives once, what is pulled lands once, failures keep
the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from entente_daemon.daemon.services.sync.engine import Interest, LocalAccess, SyncEngine
from entente_daemon.daemon.services.sync.http_link import HttpBrokerLink
from entente_daemon.daemon.services.sync.link import BrokerFailed, BrokerKeyRefused
from entente_daemon.model import (
    EventKind,
    Fixture,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    Verification,
    utc_now,
)
from entente_daemon.store import Store
from tests.daemon.conftest import interaction
from tests.sync.stub_broker import KEY, BrokerState, running_broker

CONSUMER = Interest(consumes=frozenset({"castle-service"}))
PROVIDER = Interest(verifies=frozenset({"castle-service"}))


@pytest.fixture
def broker() -> Iterator[tuple[str, BrokerState]]:
    with running_broker() as found:
        yield found


def _store(folder: Path) -> Store:
    store = Store.open(folder)
    store.outbox.enable("http://broker")
    return store


def _engine(store: Store, url: str, interest: Interest, key: str = KEY) -> SyncEngine:
    return SyncEngine(LocalAccess(store), HttpBrokerLink(url, key), interest=lambda: interest)


def _record(store: Store, n: int) -> None:
    made = interaction(n, test_id=f"tests/test_castle.py::test_{n}", run_id="run-1")
    store.interactions.add(made.with_hash())


def _fixture() -> Fixture:
    return Fixture(
        provider="castle-service",
        operation_id="getCastle",
        request=HttpRequest(method="GET", path="/castles/7"),
        response=HttpResponse(status=200, body={"id": 7, "name": "Bran"}),
    ).with_hash()


def test_the_consumers_contracts_reach_the_provider_once(
    tmp_path: Path, broker: tuple[str, BrokerState]
) -> None:
    url, state = broker
    with _store(tmp_path / "client") as client, _store(tmp_path / "service") as service:
        for n in range(3):
            _record(client, n)
        client.interactions.add(interaction(99).with_hash())  # exploratory: stays here

        pushed = asyncio.run(_engine(client, url, CONSUMER).push())
        assert pushed.sent == 3
        assert client.outbox.count() == 0
        assert len(state.interactions) == 3

        pulled = asyncio.run(_engine(service, url, PROVIDER).pull_all())
        assert pulled.stored == {"interactions": 3}
        assert sorted(i.request.path for i in service.interactions.list()) == [
            "/castles/0",
            "/castles/1",
            "/castles/2",
        ]
        # Pulled records are not queued back, and a second pull stores nothing twice.
        assert service.outbox.count() == 0
        state.add_event("interaction.uploaded", {"provider": "castle-service"})
        again = asyncio.run(_engine(service, url, PROVIDER).pull_all())
        assert again.stored == {}
        assert service.interactions.count() == 3
        kinds = [e.kind for e in service.events.since(0, 100)]
        assert kinds.count(EventKind.INTERACTION_RECORDED) == 3


def test_a_batch_sent_again_creates_nothing_twice(
    tmp_path: Path, broker: tuple[str, BrokerState]
) -> None:
    """A push whose acknowledgement was lost (the entries still queued) is sent again; the
    broker counts duplicates, nothing is doubled."""
    url, state = broker
    with _store(tmp_path / "client") as client:
        for n in range(2):
            _record(client, n)
        keys = [e.key for e in client.outbox.entries()]
        asyncio.run(_engine(client, url, CONSUMER).push())
        # As if the daemon died before the entries' removal reached the disk:
        for key in keys:
            client._engine.tables["outbox"][key] = {"seq": 1, "queued_at": utc_now().isoformat()}
        again = asyncio.run(_engine(client, url, CONSUMER).push())
        assert again.sent == 2
        assert again.duplicates == 2
        assert len(state.interactions) == 2
        assert state.posts["/api/v1/interactions"] == 2


def test_a_failing_broker_keeps_the_outbox(tmp_path: Path, broker: tuple[str, BrokerState]) -> None:
    url, state = broker
    state.failing = True
    with _store(tmp_path / "client") as client:
        _record(client, 1)
        client.environments.ensure("prod")
        with pytest.raises(BrokerFailed, match="HTTP 500"):
            asyncio.run(_engine(client, url, CONSUMER).push())
        entries = client.outbox.entries()
        assert len(entries) == 2
        assert entries[0].attempts == 1
        assert "HTTP 500" in (entries[0].last_error or "")
        state.failing = False  # it recovers: everything goes
        assert asyncio.run(_engine(client, url, CONSUMER).push()).sent == 2
        assert client.outbox.count() == 0


def test_a_wrong_key_is_said_and_keeps_the_outbox(
    tmp_path: Path, broker: tuple[str, BrokerState]
) -> None:
    url, _state = broker
    with _store(tmp_path / "client") as client:
        client.environments.ensure("prod")
        with pytest.raises(BrokerKeyRefused, match=f"broker at {url} refused the API key"):
            asyncio.run(_engine(client, url, CONSUMER, key="wrong").push())
        assert client.outbox.count() == 1


def test_an_unreachable_broker_is_named(tmp_path: Path) -> None:
    with running_broker() as (url, _state):
        pass  # stopped: nothing listens there any more
    with _store(tmp_path / "client") as client:
        client.environments.ensure("prod")
        with pytest.raises(Exception, match=f"cannot reach the broker at {url}"):
            asyncio.run(_engine(client, url, CONSUMER).push())
        assert client.outbox.count() == 1


def test_the_later_fixture_decision_wins_on_both_sides(
    tmp_path: Path, broker: tuple[str, BrokerState]
) -> None:
    url, state = broker
    with _store(tmp_path / "client") as client, _store(tmp_path / "service") as service:
        fixture = _fixture()
        service.fixtures.add(fixture)
        service.fixtures.set_status(fixture.id, FixtureStatus.APPROVED, by="ana")
        asyncio.run(_engine(service, url, PROVIDER).push())
        assert state.records["fixtures"][fixture.id]["approved_by"] == "ana"

        # The consumer's side pulls it: an approved fixture its mocks can serve.
        asyncio.run(_engine(client, url, CONSUMER).pull_all())
        pulled = client.fixtures.get(fixture.id)
        assert pulled is not None
        assert pulled.status is FixtureStatus.APPROVED
        assert pulled.approved_by == "ana"  # who decided shows on this side too

        # Bo rejects it later on the consumer's side; that decision reaches the service.
        rejected_at = utc_now() + timedelta(seconds=1)
        client.fixtures.update(
            pulled.model_copy(
                update={
                    "status": FixtureStatus.REJECTED,
                    "approved_by": "bo",
                    "approved_at": rejected_at,
                }
            )
        )
        asyncio.run(_engine(client, url, CONSUMER).push())
        asyncio.run(_engine(service, url, PROVIDER).pull_all())
        decided = service.fixtures.get(fixture.id)
        assert decided is not None
        assert decided.status is FixtureStatus.REJECTED
        assert decided.approved_by == "bo"

        # An older decision sent afterwards loses at the broker and on the pull.
        stale = fixture.model_copy(
            update={
                "status": FixtureStatus.APPROVED,
                "approved_by": "cy",
                "approved_at": rejected_at - timedelta(minutes=5),
            }
        )
        service.fixtures.update(stale)
        asyncio.run(_engine(service, url, PROVIDER).push())
        assert state.records["fixtures"][fixture.id]["approved_by"] == "bo"


def test_verifications_and_deployments_flow_back(
    tmp_path: Path, broker: tuple[str, BrokerState]
) -> None:
    url, _state = broker
    with _store(tmp_path / "client") as client, _store(tmp_path / "service") as service:
        verification = Verification(
            provider="castle-service",
            provider_version="2.0.0",
            consumer="castle-client",
            consumer_version="1.0.0",
            finished_at=utc_now(),
        )
        service.verifications.save(verification)
        from entente_daemon.model import Deployment

        service.deployments.add(
            Deployment(service="castle-service", version="2.0.0", environment="prod")
        )
        service.environments.ensure("prod", production=True)
        asyncio.run(_engine(service, url, PROVIDER).push())
        report = asyncio.run(_engine(client, url, CONSUMER).pull_all())
        assert report.facts_changed
        assert client.verifications.get(verification.id) is not None
        assert [d.version for d in client.deployments.active(environment="prod")] == ["2.0.0"]
        assert client.environments.get("prod") is not None
        assert client.outbox.count() == 0  # none of it goes back
