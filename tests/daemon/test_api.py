"""The control API's endpoints against a real daemon: records, errors, projects."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from entente_daemon.client import DaemonRequestError
from entente_daemon.model import (
    EventKind,
    Fixture,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    Interaction,
)

from .conftest import Daemon, interaction

CASTLE_SPEC = Path(__file__).resolve().parents[2] / "examples" / "castle-service" / "openapi.yaml"


def unique(n: int, **fields: object) -> Interaction:
    """An interaction no other test records (its consumer is unique)."""
    return interaction(n, consumer=f"c-{uuid.uuid4().hex[:10]}", **fields)


def test_malformed_requests_get_400_and_the_daemon_keeps_serving(shared_daemon: Daemon) -> None:
    with shared_daemon.http() as http:
        broken = http.post(
            "/v1/interactions",
            content=b'{"interactions": [',
            headers={"content-type": "application/json"},
        )
        assert broken.status_code == 400
        assert broken.json()["error"].startswith("the request body is not valid JSON")

        good = unique(1).to_json()
        bad = {**good, "request": {"path": "/x"}}
        invalid = http.post("/v1/interactions", json={"interactions": [good, bad]})
        assert invalid.status_code == 400
        assert invalid.json()["error"].startswith("interactions[1].request.method: Field required")

        assert http.post("/v1/interactions", json={"oops": []}).status_code == 400
        assert http.post("/v1/interactions", json="text").status_code == 400
        assert http.get("/v1/interactions", params={"limit": "many"}).status_code == 400
        assert http.get("/v1/events/stream", headers={"Last-Event-ID": "x"}).status_code == 400
        missing = http.get("/v1/nothing")
        assert missing.status_code == 404
        assert missing.json()["error"] == "no such endpoint: /v1/nothing"
        wrong_method = http.delete("/v1/interactions")
        assert wrong_method.status_code == 405
        assert "GET, HEAD, POST" in wrong_method.headers["allow"]  # HEAD: as GET
        assert http.get("/v1/health").json()["ok"] is True
    with shared_daemon.client() as client:
        # The half-valid batch stored nothing.
        consumer = good["consumer"]
        assert client.interactions(consumer=consumer).total == 0


def test_upload_list_and_get(shared_daemon: Daemon) -> None:
    batch = [unique(n) for n in range(3)]
    consumer = batch[0].consumer
    batch = [
        i.model_copy(update={"consumer": consumer, "test_id": f"t{n % 2}"})
        for n, i in enumerate(batch)
    ]
    with shared_daemon.client() as client:
        receipt = client.upload_interactions(batch)
        assert receipt.new == 3
        assert receipt.merged == 0
        assert receipt.ids == [i.id for i in batch]

        page = client.interactions(consumer=consumer)
        assert page.total == 3
        assert [i.id for i in page.items] == receipt.ids  # newest last
        assert client.interactions(consumer=consumer, test="t0").total == 2
        tail = client.interactions(consumer=consumer, limit=2)
        assert tail.offset == 1
        assert [i.id for i in tail.items] == receipt.ids[1:]
        head = client.interactions(consumer=consumer, limit=2, offset=0)
        assert [i.id for i in head.items] == receipt.ids[:2]

        again = client.upload_interactions([batch[0].model_copy(update={"id": "another-id"})])
        assert again.ids == [batch[0].id]
        assert again.merged == 1
        stored = client.interaction(batch[0].id)
        assert stored is not None
        assert stored.count == 2
        assert client.interaction("no-such-id") is None

        # Filtered pages see what is recorded after the first filtered query.
        assert client.interactions(consumer=consumer).total == 3
        [late] = client.upload_interactions(
            [unique(9).model_copy(update={"consumer": consumer})]
        ).ids
        page = client.interactions(consumer=consumer, limit=1)
        assert page.total == 4
        assert [i.id for i in page.items] == [late]


def test_credentials_never_reach_the_store(shared_daemon: Daemon) -> None:
    secret = "Bearer s3cr3t-t0ken-value"
    leaky = unique(
        1,
        request=HttpRequest(
            method="GET",
            path="/castles/1",
            headers={"Authorization": secret, "Accept": "application/json"},
            query={"api_key": ["k3y-value"], "page": ["2"]},
        ),
        response=HttpResponse(status=200, headers={"Set-Cookie": "session=abcdef"}),
    )
    with shared_daemon.client() as client:
        [stored_id] = client.upload_interactions([leaky]).ids
        stored = client.interaction(stored_id)
    assert stored is not None
    assert stored.request.headers == {"Authorization": "[REDACTED]", "Accept": "application/json"}
    assert stored.request.query == {"api_key": ["[REDACTED]"], "page": ["2"]}
    assert stored.response.headers == {"Set-Cookie": "[REDACTED]"}
    assert stored.content_hash == stored.compute_hash()


def fixture(provider: str, n: int) -> Fixture:
    return Fixture(
        provider=provider,
        operation_id="getCastle",
        request=HttpRequest(method="GET", path=f"/castles/{n}"),
        # A name of its own: fixtures that differ only by ids are one draft (`draft_key`).
        response=HttpResponse(status=200, body={"id": n, "name": f"castle {n}"}),
    )


def test_fixtures_approve_and_reject(shared_daemon: Daemon) -> None:
    provider = f"p-{uuid.uuid4().hex[:8]}"
    drafts = [fixture(provider, 1), fixture(provider, 2)]
    with shared_daemon.client() as client:
        before = client.events_since(0, 1000).last_seq
        receipt = client.upload_interactions([unique(1)], drafts)
        assert receipt.fixtures == 2
        assert client.upload_interactions([], drafts).fixtures == 0  # not twice
        listed = client.fixtures(provider=provider, status=FixtureStatus.DRAFT)
        assert {f.id for f in listed} == {f.id for f in drafts}

        approved = client.approve(drafts[0].id, by="alice")
        assert approved.status is FixtureStatus.APPROVED
        assert approved.approved_by == "alice"
        rejected = client.reject(drafts[1].id, "wrong castle")
        assert rejected.status is FixtureStatus.REJECTED
        assert rejected.notes == "wrong castle"
        assert [f.id for f in client.fixtures(provider=provider, status="approved")] == [
            drafts[0].id
        ]
        with pytest.raises(DaemonRequestError) as missing:
            client.approve("no-such-fixture")
        assert missing.value.status == 404
        with pytest.raises(DaemonRequestError) as bad_status:
            client.fixtures(status="maybe")
        assert bad_status.value.status == 400

        events = client.events_since(before, 1000).events
    kinds = [(e.kind, e.payload.get("id")) for e in events if e.payload.get("provider") == provider]
    assert (EventKind.FIXTURE_CREATED, drafts[0].id) in kinds
    assert (EventKind.FIXTURE_APPROVED, drafts[0].id) in kinds
    assert (EventKind.FIXTURE_REJECTED, drafts[1].id) in kinds
    rejection = next(e for e in events if e.kind is EventKind.FIXTURE_REJECTED)
    assert rejection.payload["note"] == "wrong castle"


def test_not_yet_endpoints_and_empty_lists(shared_daemon: Daemon) -> None:
    with shared_daemon.http() as http:
        response = http.post("/v1/sync", json={})  # no broker configured: said how to
        assert response.status_code == 409
        assert "ENTENTE_SERVICE_URL" in response.json()["error"]
        # Verifications are started with POST /v1/verify; this path only lists them.
        assert http.post("/v1/verifications", json={}).status_code == 405
        assert http.get("/v1/mocks").json() == {"mocks": []}
        assert http.get("/v1/alerts").json() == {"alerts": []}
        assert http.get("/v1/verifications").json() == {"verifications": []}
        assert http.get("/v1/deployments").json() == {"deployments": []}


def write_project(folder: Path, service: str) -> Path:
    folder.mkdir(parents=True)
    config = folder / "entente.toml"
    config.write_text(
        f'service = "{service}"\nversion = "1.2.3"\n\n[[providers]]\nname = "castle-service"\n'
        f'spec = "{CASTLE_SPEC}"\n'
    )
    return config


def test_projects_attach_and_survive_a_restart(daemon: Daemon, tmp_path: Path) -> None:
    daemon.start()
    config = write_project(tmp_path / "castle-client", "castle-client")
    broken = tmp_path / "broken" / "entente.toml"
    broken.parent.mkdir()
    broken.write_text('service = "x"\nunknown = 1\n')
    with daemon.client() as client:
        info = client.attach_project(config)
        assert (info.service, info.version, info.providers) == (
            "castle-client",
            "1.2.3",
            ["castle-service"],
        )
        with pytest.raises(DaemonRequestError) as refused:
            client.attach_project(broken)
        assert refused.value.status == 400
        # with the key's line since issue 12 (was "entente.toml: unknown: ...")
        assert f"{broken}:2: unknown: is not a known setting" in refused.value.message
        assert [p.config for p in client.projects()] == [str(config)]
        attached = [e for e in client.events_since(0).events if e.payload.get("config")]
        assert attached[-1].payload["event"] == "project.attached"
    daemon.stop()
    daemon.start()
    with daemon.client() as client:
        assert [p.config for p in client.projects()] == [str(config)]
        assert [p.service for p in client.status().projects] == ["castle-client"]
