"""The broker's API through its typed client, against a real broker process on each
database: keys and scopes, idempotent uploads, limits, paging, fixture decisions, specs,
deployments and the event feed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from entente_daemon.broker.keys import Scope, create_key, revoke_key
from entente_daemon.client.broker_api import (
    BrokerAuthError,
    BrokerClient,
    BrokerForbidden,
    BrokerRequestError,
    BrokerUnreachable,
)
from entente_daemon.model import (
    Deployment,
    FixtureStatus,
    SpecVersion,
    Verification,
    VerificationResult,
    utc_now,
)

from .factories import fixture, interaction, unique
from .postgres import free_port
from .process import BrokerProcess


def test_health_needs_no_key_and_names_the_schema(broker: BrokerProcess, home: Path) -> None:
    with BrokerClient(broker.url, None) as client:
        health = client.health()
    assert health.status == "ok"
    assert health.schema_ == "0002"


def test_a_request_without_a_key_is_refused_with_401(broker: BrokerProcess, home: Path) -> None:
    with BrokerClient(broker.url, None) as client, pytest.raises(BrokerAuthError) as caught:
        client.interactions()
    assert caught.value.status == 401
    assert broker.url in str(caught.value)
    assert "ENTENTE_API_KEY" in str(caught.value)


def test_a_wrong_key_is_refused_with_401(broker: BrokerProcess, home: Path) -> None:
    with BrokerClient(broker.url, "ent_not-a-key") as client, pytest.raises(BrokerAuthError):
        client.interactions()


def test_a_key_without_the_scope_is_refused_with_403(broker: BrokerProcess, home: Path) -> None:
    with broker.client("read") as reader:
        reader.interactions()  # reading is its scope
        with pytest.raises(BrokerForbidden) as caught:
            reader.upload_interactions([interaction(unique("p"))])
    assert caught.value.status == 403
    assert "write" in str(caught.value)


def test_a_revoked_key_is_refused_from_the_next_request(broker: BrokerProcess, home: Path) -> None:
    name = unique("ci")
    key = create_key(broker.engine, name, Scope.READ)
    with BrokerClient(broker.url, key) as client:
        client.interactions(limit=1)
        revoke_key(broker.engine, name)
        with pytest.raises(BrokerAuthError, match="wrong, or revoked"):
            client.interactions(limit=1)


def test_the_access_log_never_shows_a_key(broker: BrokerProcess, home: Path) -> None:
    with broker.client("admin") as client:
        client.interactions(limit=1)
    assert "GET /api/v1/interactions" in broker.output()  # the log is there
    for key in broker.keys.values():
        assert key not in broker.output()


def test_an_unreachable_broker_is_named_with_the_cause(home: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with BrokerClient(url, "k") as client, pytest.raises(BrokerUnreachable) as caught:
        client.interactions()
    assert url in str(caught.value)
    assert "connection refused" in str(caught.value)


def test_a_batch_sent_twice_is_stored_once(broker: BrokerProcess, home: Path) -> None:
    provider = unique("p")
    batch = [interaction(provider, path=f"/castles/{n}") for n in range(5)]
    with broker.client() as client:
        first = client.upload_interactions(batch)
        again = client.upload_interactions(batch)
        stored = list(client.all_interactions(provider=provider))
    assert (first.created, first.duplicates) == (5, 0)
    assert (again.created, again.duplicates) == (0, 5)
    assert again.ids == first.ids
    assert sorted(i.id for i in stored) == sorted(first.ids)


def test_a_retry_with_new_ids_is_still_one_interaction(broker: BrokerProcess, home: Path) -> None:
    """The key is the content hash and the run: a client that made new ids for a retry
    still stores nothing twice."""
    provider = unique("p")
    sent = interaction(provider)
    with broker.client() as client:
        client.upload_interactions([sent])
        retry = client.upload_interactions([sent.model_copy(update={"id": "another-id"})])
        stored = list(client.all_interactions(provider=provider))
    assert retry.duplicates == 1
    assert retry.ids == [sent.id]
    assert [i.id for i in stored] == [sent.id]


def test_a_batch_over_the_limit_gets_413_saying_the_limit(
    broker: BrokerProcess, home: Path
) -> None:
    provider = unique("p")
    batch = [interaction(provider, path=f"/c/{n}") for n in range(51)]
    with broker.client() as client, pytest.raises(BrokerRequestError) as caught:
        client.upload_interactions(batch)
    assert caught.value.status == 413
    assert "at most 50" in str(caught.value)


def test_a_body_over_the_limit_gets_413(broker: BrokerProcess, home: Path) -> None:
    headers = {"authorization": f"Bearer {broker.keys['write']}"}
    response = httpx.post(
        f"{broker.url}/api/v1/interactions",
        content=b"[" + b" " * (1024 * 1024 + 10) + b"]",
        headers={**headers, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_malformed_input_gets_422_with_the_field(broker: BrokerProcess, home: Path) -> None:
    bad = interaction(unique("p")).to_json()
    del bad["consumer"]
    response = httpx.post(
        f"{broker.url}/api/v1/interactions",
        json={"interactions": [bad]},
        headers={"authorization": f"Bearer {broker.keys['write']}"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "body.interactions.0.consumer"


def test_interactions_are_queried_and_paged(broker: BrokerProcess, home: Path) -> None:
    provider = unique("p")
    mine = [interaction(provider, path=f"/castles/{n}") for n in range(7)]
    exploratory = interaction(provider, path="/curl", test_id=None)
    other = interaction(provider, consumer="castle-app", path="/castles/app")
    with broker.client() as client:
        client.upload_interactions([*mine, exploratory, other])
        first = client.interactions(provider=provider, consumer="castle-client", limit=3)
        assert first.next is not None
        paged = list(client.all_interactions(provider=provider, consumer="castle-client", limit=3))
        contract = list(client.all_interactions(provider=provider, contract=True))
        of_app = list(client.all_interactions(provider=provider, consumer="castle-app"))
    assert [i.request.path for i in first.interactions] == [
        "/castles/0",
        "/castles/1",
        "/castles/2",
    ]
    assert [i.request.path for i in paged] == [*(i.request.path for i in mine), "/curl"]
    assert exploratory.id not in {i.id for i in contract}
    assert len(contract) == 8
    assert [i.id for i in of_app] == [other.id]


def test_the_later_fixture_decision_wins_whichever_comes_first(
    broker: BrokerProcess, home: Path
) -> None:
    proposed = fixture(unique("p"))
    now = utc_now()
    with broker.client() as client:
        assert client.propose_fixtures([proposed]) == [proposed.id]
        assert client.propose_fixtures([proposed]) == []  # idempotent by id
        client.reject(proposed.id, by="bob", note="stale", at=now + timedelta(minutes=5))
        answered = client.approve(proposed.id, by="alice", at=now)  # made earlier, came later
        stored = client.fixtures(provider=proposed.provider)
    assert answered.status is FixtureStatus.REJECTED
    assert answered.approved_by == "bob"
    assert [f.status for f in stored] == [FixtureStatus.REJECTED]


def test_a_fixture_decision_names_who_and_when(broker: BrokerProcess, home: Path) -> None:
    proposed = fixture(unique("p"))
    with broker.client() as client:
        client.propose_fixtures([proposed])
        approved = client.approve(proposed.id, by="alice")
        noted = client.set_notes(proposed.id, "good one")
    assert approved.status is FixtureStatus.APPROVED
    assert approved.approved_by == "alice"
    assert approved.approved_at is not None
    assert noted.notes == "good one"


def test_a_decision_on_an_unknown_fixture_is_404(broker: BrokerProcess, home: Path) -> None:
    with broker.client() as client, pytest.raises(BrokerRequestError) as caught:
        client.approve("no-such-fixture", by="alice")
    assert caught.value.status == 404


def test_a_spec_version_is_stored_once_and_a_change_is_refused(
    broker: BrokerProcess, home: Path
) -> None:
    service = unique("castle-service")
    spec = SpecVersion.of(service, "1.0.0", {"openapi": "3.0.3", "paths": {}})
    changed = SpecVersion.of(service, "1.0.0", {"openapi": "3.0.3", "paths": {"/x": {}}})
    with broker.client() as client:
        assert client.upload_spec(spec).stored
        assert not client.upload_spec(spec).stored
        with pytest.raises(BrokerRequestError) as caught:
            client.upload_spec(changed)
        assert client.upload_spec(changed, force=True).stored
        latest = client.latest_spec(service)
        versions = client.service_versions(service)
    assert caught.value.status == 409
    assert latest is not None
    assert latest.content_hash == changed.content_hash
    assert [v.version for v in versions] == ["1.0.0"]


def test_verifications_are_published_once(broker: BrokerProcess, home: Path) -> None:
    provider = unique("p")
    run = Verification(
        provider=provider,
        provider_version="2.0.0",
        consumer="castle-client",
        consumer_version="1.0.0",
        finished_at=utc_now(),
        results=[VerificationResult(interaction_id="i", ok=True)],
    )
    with broker.client() as client:
        assert client.publish_verifications([run]) == [run.id]
        assert client.publish_verifications([run]) == []
        found = client.verifications(provider=provider)
    assert [v.id for v in found] == [run.id]


def test_deployments_keep_one_active_version(broker: BrokerProcess, home: Path) -> None:
    service = unique("castle-service")
    with broker.client() as client:
        client.record_deployment(Deployment(service=service, version="1", environment="prod"))
        client.record_deployment(Deployment(service=service, version="2", environment="prod"))
        active = client.deployments(service=service, active=True)
        client.undeploy(service, "prod", by="ops")
        after = client.deployments(service=service, active=True)
        environments = {e.name for e in client.environments()}
    assert [d.version for d in active] == ["2"]
    assert after == []
    assert "prod" in environments


def test_the_feed_tells_of_uploads_and_waits_for_the_next(
    broker: BrokerProcess, home: Path
) -> None:
    provider = unique("p")
    with broker.client() as client:
        start = client.events(after=0, limit=1000)
        cursor = start.next
        while True:  # to the end of the feed
            page = client.events(after=cursor, limit=1000)
            if not page.events:
                break
            cursor = page.next
        empty = client.events(after=cursor, wait=0.3)
        sent = interaction(provider)
        client.upload_interactions([sent])
        told = client.events(after=cursor, wait=10)
    assert empty.events == []
    assert empty.next == cursor
    uploaded = [e for e in told.events if e.kind == "interaction.uploaded"]
    assert uploaded[0].payload == {
        "ids": [sent.id],
        "provider": provider,
        "consumer": sent.consumer,
    }
    assert told.next == told.events[-1].cursor


def test_the_consumer_upload_reaches_the_broker(broker: BrokerProcess, home: Path) -> None:
    """What the pytest plugin does at the end of a session with a broker configured."""
    from entente_daemon.consumer.upload import post_to_broker

    provider = unique("p")
    recorded = [interaction(provider, path=f"/castles/{n}") for n in range(3)]
    assert post_to_broker(broker.url, broker.keys["write"], recorded) == 3
    with broker.client() as client:
        stored = list(client.all_interactions(provider=provider))
    assert sorted(i.id for i in stored) == sorted(i.id for i in recorded)
