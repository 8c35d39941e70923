"""Recording real traffic: a consumer's httpx calls reach a real provider (a small server on
127.0.0.1), are recorded as interactions and proposed as consumer draft fixtures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from entente_daemon.consumer import EntenteClient
from entente_daemon.model import FixtureSource, FixtureStatus
from entente_daemon.store import Store

from .conftest import VERSAILLES, Received, TinyServer

CASTLE = {
    "id": VERSAILLES,
    "name": "Château de Versailles",
    "region": "Île-de-France",
    "yearBuilt": 1623,
}


def castle_provider(got: Received) -> tuple[int, dict[str, str], bytes]:
    """A real (tiny) castle service: GET /castles/{id} knows one castle."""
    if got.method == "GET" and got.path == f"/castles/{VERSAILLES}":
        body = json.dumps(CASTLE).encode()
        return 200, {"content-type": "application/json", "x-request-id": got.path}, body
    if got.method == "GET" and got.path.startswith("/castles/"):
        missing = {"error": "not_found", "message": f"No castle with id {got.path[9:]}"}
        return 404, {"content-type": "application/json"}, json.dumps(missing).encode()
    return 404, {"content-type": "text/plain"}, b"no such path"


def test_real_traffic_is_recorded_and_proposed_as_draft_fixtures(
    client: EntenteClient, home: Path, tiny_server: Callable[..., TinyServer]
) -> None:
    provider = tiny_server(castle_provider)

    with (
        client.record_traffic("castle-service", base_url=provider.url) as seen,
        httpx.Client(base_url=provider.url, headers={"authorization": "Bearer s3cr3t!"}) as http,
    ):
        first = http.get(f"/castles/{VERSAILLES}")
        again = http.get(f"/castles/{VERSAILLES}")
        missing = http.get("/castles/00000000-0000-4000-8000-000000000000")
        unknown = http.get("/dragons")

    assert first.json() == again.json() == CASTLE  # the real answers reached the caller
    assert missing.status_code == 404
    assert unknown.text == "no such path"
    assert len(provider.received) == 4  # every call reached the provider

    operations = sorted((i.operation_id or "-", i.response.status) for i in seen.interactions)
    assert operations == [("-", 404), ("getCastle", 200), ("getCastle", 404)]
    get = next(i for i in seen.interactions if i.response.status == 200)
    assert get.match.source == "provider"
    assert get.count == 2  # the two identical calls are one interaction
    assert get.response.body == CASTLE
    assert "date" not in get.response.headers

    drafts = seen.fixtures
    assert sorted(f.response.status for f in drafts) == [200, 404]
    assert {(f.source, f.status) for f in drafts} == {(FixtureSource.CONSUMER, FixtureStatus.DRAFT)}
    assert all(f.provider_versions == ["1.0.0"] for f in drafts)

    with Store.open(readonly=True) as store:
        stored = store.interactions.list()
        fixtures = store.fixtures.list(provider="castle-service")
    assert len(stored) == 3
    assert sorted(f.content_hash for f in fixtures) == sorted(f.content_hash for f in drafts)
    assert get.request.headers["authorization"] == "[REDACTED]"
    assert "s3cr3t!" not in json.dumps([i.to_json() for i in stored])
    assert all("authorization" not in f.request.headers for f in fixtures)


def test_draft_fixtures_are_not_stored_twice(
    client: EntenteClient, home: Path, tiny_server: Callable[..., TinyServer]
) -> None:
    provider = tiny_server(castle_provider)

    for _ in range(2):
        with client.record_traffic("castle-service", base_url=provider.url):
            httpx.get(f"{provider.url}/castles/{VERSAILLES}")

    with Store.open(readonly=True) as store:
        assert len(store.fixtures.list(provider="castle-service")) == 1


async def test_async_real_traffic_is_recorded(
    client: EntenteClient, tiny_server: Callable[..., TinyServer]
) -> None:
    provider = tiny_server(castle_provider)

    with client.record_traffic("castle-service", base_url=provider.url) as seen:
        async with httpx.AsyncClient() as http:
            response = await http.get(f"{provider.url}/castles/{VERSAILLES}")

    assert response.json() == CASTLE
    assert [i.operation_id for i in seen.interactions] == ["getCastle"]


def test_calls_elsewhere_are_not_recorded(
    client: EntenteClient, tiny_server: Callable[..., TinyServer]
) -> None:
    provider = tiny_server(castle_provider)
    elsewhere = tiny_server(lambda got: (200, {"content-type": "text/plain"}, b"other"))

    with client.record_traffic("castle-service", base_url=provider.url) as seen:
        assert httpx.get(f"{elsewhere.url}/castles/1").text == "other"

    assert seen.interactions == []
    assert len(elsewhere.received) == 1
