"""``GET /v1/fixtures/{id}/detail``: a fixture with its operation's schemas (refs inlined)
from the spec of the daemon's mock of its provider, and what in it does not fit."""

from __future__ import annotations

from pathlib import Path

from entente_daemon.model import Fixture, HttpRequest, HttpResponse
from tests.tui.fixtures_helpers import castle_fixture, upload

from .castle_project import castle_project
from .conftest import Daemon, wait_for


def test_detail_from_the_hosted_mocks_spec(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    daemon.start()
    good = castle_fixture("Chambord", n=1)
    bad = castle_fixture("Broken", n=2, body={"id": "x", "name": ""})
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")
        upload(client, good, bad)

        detail = client.fixture_detail(good.id)
        assert detail is not None
        assert detail.fixture.id == good.id
        assert detail.spec is not None
        assert str(project.spec) in detail.spec
        assert detail.problems == []
        operation = detail.operation
        assert operation is not None
        assert (operation.method, operation.path) == ("GET", "/castles/{id}")
        assert operation.operation_id == "getCastle"
        assert operation.summary == "Get one castle"
        assert operation.request_schema is None  # a GET has no body
        assert operation.response_status == "200"
        assert operation.response_media_type == "application/json"
        # The Castle schema itself, not a $ref to it.
        assert operation.response_schema["required"] == ["id", "name", "region", "yearBuilt"]

        flawed = client.fixture_detail(bad.id)
        assert flawed is not None
        joined = "\n".join(flawed.problems)
        assert "$.region" in joined, flawed.problems
        assert "$.yearBuilt" in joined, flawed.problems

        assert client.fixture_detail("no-such-fixture") is None


def test_detail_without_a_spec_says_so(daemon: Daemon) -> None:
    daemon.start()
    orphan = Fixture(
        provider="ghost-service",
        operation_id="haunt",
        request=HttpRequest(method="GET", path="/boo"),
        response=HttpResponse(status=200, body={"ok": True}),
    )
    with daemon.client() as client:
        upload(client, orphan)
        detail = client.fixture_detail(orphan.id)
    assert detail is not None
    assert detail.operation is None
    assert detail.problems == ["no spec known for provider 'ghost-service'"]


def test_detail_of_a_request_body_operation(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    daemon.start()
    create = Fixture(
        provider="castle-service",
        operation_id="createCastle",
        request=HttpRequest(
            method="POST",
            path="/castles",
            headers={"content-type": "application/json"},
            body={"name": "Blois", "region": "Loire", "yearBuilt": 999},
        ),
        response=HttpResponse(
            status=201,
            headers={"content-type": "application/json"},
            body={
                "id": "c4a8e2f1-7b6d-4e3a-8f5c-1d2e3f4a5b6c",
                "name": "Blois",
                "region": "Loire",
                "yearBuilt": 999,
            },
        ),
    )
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")
        upload(client, create)
        detail = client.fixture_detail(create.id)
    assert detail is not None
    assert detail.operation is not None
    assert detail.operation.request_media_type == "application/json"
    assert detail.operation.request_schema["properties"]["yearBuilt"]["minimum"] == 1000
    assert detail.operation.response_status == "201"
    assert any("request body $.yearBuilt" in p for p in detail.problems), detail.problems
