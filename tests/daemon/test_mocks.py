"""The daemon hosts each attached consumer project's mocks: served over HTTP at the
configured port, recording into the daemon's store, listed by ``GET /v1/mocks``."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from entente_daemon.model import EventKind

from .castle_project import castle_project, is_event, last_seq, wait_for_event
from .conftest import Daemon, wait_for


def test_attached_project_gets_a_recording_mock(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    daemon.start()
    with daemon.client() as client:
        since = last_seq(client)
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")

        response = httpx.get(f"{project.url}/castles", timeout=10)
        assert response.status_code == 200
        assert response.headers["x-entente-operation"] == "listCastles"
        assert response.json()[0]["name"] == "Château de Versailles"

        event = wait_for_event(
            client,
            since,
            is_event(EventKind.INTERACTION_RECORDED, operation_id="listCastles"),
            what="interaction.recorded for listCastles",
        )
        assert event.payload["consumer"] == "castle-client"
        assert event.payload["provider"] == "castle-service"

        page = client.interactions(provider="castle-service", consumer="castle-client")
        assert [i.operation_id for i in page.items] == ["listCastles"]
        recorded = page.items[0]
        assert recorded.consumer_version == "1.0.0"
        assert recorded.environment == "local"
        assert recorded.provider_version == "1.0.0"
        assert recorded.response.status == 200


def test_mocks_are_listed(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    daemon.start()
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")
    with daemon.http() as http:
        mocks = http.get("/v1/mocks").json()["mocks"]
        status = http.get("/v1/status").json()
    assert len(mocks) == 1
    listed = mocks[0]
    assert listed["provider"] == "castle-service"
    assert listed["project"] == str(project.config)
    assert listed["consumer"] == "castle-client"
    assert listed["spec"] == str(project.spec)
    assert listed["version"] == "1.0.0"
    assert listed["url"] == project.url
    assert listed["port"] == project.port
    assert listed["state"] == "running"
    assert listed["error"] is None
    assert listed["operations"] == 4
    assert [m["url"] for m in status["mocks"]] == [project.url]
    assert str(project.spec) in status["watching"]
    assert str(project.config) in status["watching"]


def test_taken_port_is_an_alert_and_other_mocks_keep_going(daemon: Daemon, tmp_path: Path) -> None:
    taken = castle_project(tmp_path / "a")
    fine = castle_project(tmp_path / "b")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken.port))
        squatter.listen(1)
        daemon.start()
        with daemon.client() as client:
            since = last_seq(client)
            client.attach_project(taken.config)
            client.attach_project(fine.config)
            alert = wait_for_event(
                client, since, is_event(EventKind.MOCK_ERROR, event="mock.error"), what="alert"
            )
            assert str(taken.port) in alert.payload["message"]
            assert str(taken.config) in alert.payload["message"]
            assert alert.payload["project"] == str(taken.config)
            assert any(a.payload.get("event") == "mock.error" for a in client.alerts())
            wait_for(lambda: any(m.url == fine.url for m in client.mocks()), what="the other mock")
        assert httpx.get(f"{fine.url}/castles", timeout=10).status_code == 200
        with daemon.http() as http:
            states = {m["project"]: m for m in http.get("/v1/mocks").json()["mocks"]}
    assert states[str(taken.config)]["state"] == "error"
    assert "in use" in states[str(taken.config)]["error"]
    assert states[str(fine.config)]["state"] == "running"


def test_mocks_come_back_when_the_daemon_restarts(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    daemon.start()
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")
    daemon.stop()
    daemon.start()
    with daemon.client() as client:
        wait_for(lambda: any(m.url for m in client.mocks()), what="the re-attached mock")
    assert httpx.get(f"{project.url}/castles/nope", timeout=10).status_code == 400
