"""A consumer's mock: real HTTP through ``mock.url`` and in-process through respx, both
answering alike and recording; what is recorded goes to the store when the mock closes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from entente_daemon.config import load_project_config
from entente_daemon.consumer import EntenteClient, FixtureError, create_client
from entente_daemon.model import (
    Fixture,
    FixtureSource,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    SpecVersion,
)
from entente_daemon.openapi import load_spec
from entente_daemon.record.context import RecordingContext
from entente_daemon.store import Store

from .conftest import CASTLE_SPEC, VERSAILLES, write_project

MISSING = "00000000-0000-4000-8000-000000000000"
NOT_FOUND = {
    "request": {"method": "GET", "path": f"/castles/{MISSING}"},
    "response": {
        "status": 404,
        "headers": {"content-type": "application/json"},
        "body": {"error": "not_found", "message": f"No castle with id {MISSING}"},
    },
}


def stored_interactions(home: Path) -> list[dict[str, Any]]:
    with Store.open(home / "store", readonly=True) as store:
        return [i.to_json() for i in store.interactions.list()]


def test_the_mock_answers_over_http_from_the_spec(client: EntenteClient) -> None:
    mock = client.create_mock("castle-service")

    response = httpx.get(f"{mock.url}/castles/{VERSAILLES}")

    assert mock.url == f"http://127.0.0.1:{mock.port}"
    assert response.status_code == 200
    assert response.json()["id"] == VERSAILLES
    assert response.headers["x-entente-operation"] == "getCastle"
    assert mock.spec_choice.rule == "exact"
    assert mock.spec_choice.source == "project"


def test_http_and_respx_answer_alike_and_both_record(client: EntenteClient) -> None:
    mock = client.create_mock("castle-service")
    body = {"name": "Château de Chambord", "region": "Centre-Val de Loire", "yearBuilt": 1519}

    over_http = httpx.post(f"{mock.url}/castles", json=body)
    with mock.intercept(base_url="http://castle.test"):
        in_process = httpx.post("http://castle.test/castles", json=body)

    assert over_http.status_code == in_process.status_code == 201
    assert over_http.json() == in_process.json()
    assert over_http.headers["content-type"] == in_process.headers["content-type"]
    recorded = mock.interactions
    assert [i.operation_id for i in recorded] == ["createCastle"]  # one, de-duplicated
    assert recorded[0].count == 2
    assert recorded[0].request.body == body


async def test_async_clients_are_intercepted_too(client: EntenteClient) -> None:
    mock = client.create_mock("castle-service")

    with mock.intercept(base_url="http://castle.test/"):
        async with httpx.AsyncClient(base_url="http://castle.test") as http:
            response = await http.get("/castles", params={"region": "Normandie"})

    assert response.status_code == 200
    assert isinstance(response.json(), list)
    [interaction] = mock.interactions
    assert interaction.request.query == {"region": ["Normandie"]}


def test_mock_router_answers_for_the_mock_url_without_a_socket(client: EntenteClient) -> None:
    mock = client.create_mock("castle-service")

    with mock.router:
        response = httpx.delete(f"{mock.url}/castles/{VERSAILLES}")
        assert mock.router.routes["entente"].call_count == 1

    assert response.status_code == 204
    assert [i.operation_id for i in mock.interactions] == ["deleteCastle"]


def test_other_urls_pass_through_while_intercepting(client: EntenteClient) -> None:
    mock = client.create_mock("castle-service")

    with mock.intercept(base_url="http://castle.test"):
        direct = httpx.get(f"{mock.url}/castles/{VERSAILLES}")  # a real socket

    assert direct.status_code == 200
    assert mock.interactions[0].count == 1


def test_the_mock_validates_requests(client: EntenteClient) -> None:
    mock = client.create_mock("castle-service")

    with mock.intercept("http://castle.test"):
        response = httpx.post("http://castle.test/castles", json={"name": ""})

    assert response.status_code == 400
    assert "yearBuilt" in response.text


def test_local_fixtures_answer_and_count_as_approved(client: EntenteClient) -> None:
    as_model = Fixture(
        provider="castle-service",
        operation_id="deleteCastle",
        source=FixtureSource.MANUAL,
        request=HttpRequest(method="DELETE", path=f"/castles/{MISSING}"),
        response=HttpResponse(
            status=404,
            headers={"content-type": "application/json"},
            body={"error": "not_found", "message": "gone"},
        ),
    )
    mock = client.create_mock("castle-service", local_fixtures=[NOT_FOUND, as_model])

    with mock.intercept("http://castle.test"):
        got = httpx.get(f"http://castle.test/castles/{MISSING}")
        deleted = httpx.delete(f"http://castle.test/castles/{MISSING}")

    assert got.status_code == 404
    assert got.json()["error"] == "not_found"
    assert deleted.status_code == 404
    assert {i.match.source for i in mock.interactions} == {"fixture"}


def test_a_local_fixture_for_an_unknown_request_is_an_error(client: EntenteClient) -> None:
    bad = {"request": {"method": "GET", "path": "/dragons"}, "response": {"status": 200}}

    with pytest.raises(FixtureError, match=r"local_fixtures\[0\]: GET /dragons matches no"):
        client.create_mock("castle-service", local_fixtures=[bad])


def test_approved_store_fixtures_are_used(project: Path, home: Path) -> None:
    approved = Fixture(
        provider="castle-service",
        operation_id="getCastle",
        status=FixtureStatus.APPROVED,
        request=HttpRequest(method="GET", path=f"/castles/{MISSING}"),
        response=HttpResponse(
            status=404,
            headers={"content-type": "application/json"},
            body={"error": "not_found", "message": "from the store"},
        ),
    )
    draft = approved.model_copy(update={"id": "draft", "status": FixtureStatus.DRAFT})
    with Store.open() as store:
        store.fixtures.add(approved)
        store.fixtures.add(draft.model_copy(update={"response": HttpResponse(status=200)}))
    with create_client(project, recording=False) as client:
        mock = client.create_mock("castle-service")
        response = httpx.get(f"{mock.url}/castles/{MISSING}")

    assert response.status_code == 404
    assert response.json()["message"] == "from the store"


def test_closing_uploads_to_the_store_with_test_and_run_ids(project: Path, home: Path) -> None:
    context = RecordingContext()
    client = EntenteClient(
        load_project_config(project),
        recording=True,
        run_id="run-1",
        context=context,
    )
    with client.create_mock("castle-service") as mock:
        with context.test("tests/test_castles.py::test_get"):
            httpx.get(
                f"{mock.url}/castles/{VERSAILLES}",
                headers={"Authorization": "Bearer consumer-secret-token"},
            )
        with context.test("tests/test_castles.py::test_list"), mock.intercept("http://c.test"):
            httpx.get("http://c.test/castles")
        assert stored_interactions(home) == []  # nothing before close

    assert mock.upload_result is not None
    assert mock.upload_result.destination == "store"
    assert len(mock.interactions) == 2  # what was uploaded
    stored = {i["test_id"]: i for i in stored_interactions(home)}
    assert set(stored) == {"tests/test_castles.py::test_get", "tests/test_castles.py::test_list"}
    get = stored["tests/test_castles.py::test_get"]
    assert get["operation_id"] == "getCastle"
    assert get["run_id"] == "run-1"
    assert (get["consumer"], get["consumer_version"]) == ("castle-client", "1.0.0")
    assert (get["provider"], get["provider_version"]) == ("castle-service", "1.0.0")
    assert get["request"]["headers"]["authorization"] == "[REDACTED]"
    assert "consumer-secret-token" not in str(stored_interactions(home))


def test_nothing_is_recorded_when_recording_is_off(project: Path, home: Path) -> None:
    with create_client(project, recording=False) as client:
        mock = client.create_mock("castle-service")
        assert httpx.get(f"{mock.url}/castles").status_code == 200
        assert mock.interactions == []

    assert not (home / "store").exists()


def test_recording_defaults_to_on_in_ci(
    project: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with create_client(project) as in_ci:
        assert in_ci.recording
    monkeypatch.delenv("CI")
    with create_client(project) as locally:
        assert not locally.recording


def test_the_project_recording_section_turns_recording_on_and_redacts_more(
    tmp_path: Path, home: Path
) -> None:
    section = '[recording]\nenabled = true\nredact_headers = ["X-Castle-Key"]\n'
    project = write_project(tmp_path / "redacting", section)

    with create_client(project) as client:
        assert client.recording
        mock = client.create_mock("castle-service")
        httpx.get(f"{mock.url}/castles", headers={"x-castle-key": "castle-secret-42"})
        [recorded] = mock.interactions

    assert recorded.request.headers["x-castle-key"] == "[REDACTED]"
    assert "castle-secret-42" not in str(stored_interactions(home))


def test_a_newer_spec_in_the_store_serves_latest(client: EntenteClient, home: Path) -> None:
    document = copy.deepcopy(load_spec(CASTLE_SPEC).document)
    document["info"]["version"] = "1.1.0"
    with Store.open() as store:
        store.spec_versions.add(SpecVersion.of("castle-service", "1.1.0", document))

    mock = client.create_mock("castle-service", "latest")
    response = httpx.get(f"{mock.url}/castles/{VERSAILLES}")

    assert (mock.spec_choice.version, mock.spec_choice.source) == ("1.1.0", "store")
    assert "1.1.0 from the store is the newest" in mock.spec_choice.reason
    assert response.status_code == 200
    assert [i.provider_version for i in mock.interactions] == ["1.1.0"]
    assert client.create_mock("castle-service").spec_choice.source == "project"  # 1.0.0
