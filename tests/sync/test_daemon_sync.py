"""The daemon's sync, through a real daemon on 127.0.0.1 and a small broker on loopback
(`stub_broker`: the part under test is the daemon): records go out on their own, and a
broker answering 500s, or refusing the key, keeps the outbox and the mocks serving. The
real broker's end-to-end tests are in `test_broker_e2e`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from entente_daemon.model import EventKind, SpecVersion, content_hash
from entente_daemon.openapi import load_spec
from tests.daemon.castle_project import castle_project, is_event, last_seq, wait_for_event
from tests.daemon.conftest import Daemon, daemon_cli, interaction, wait_for
from tests.sync.stub_broker import KEY, BrokerState, running_broker


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, BrokerState]]:
    """A broker, and the environment a daemon started now finds it in (short waits)."""
    with running_broker() as (url, state):
        monkeypatch.setenv("ENTENTE_SERVICE_URL", url)
        monkeypatch.setenv("ENTENTE_API_KEY", KEY)
        monkeypatch.setenv("ENTENTE_SYNC_WAIT", "1")
        monkeypatch.setenv("ENTENTE_SYNC_BACKOFF_CAP", "0.3")
        yield url, state


KEEP_ID = "0b4f3c1e-2d5a-4e6f-8a9b-1c2d3e4f5a6b"
KEEP = f"/castles/{KEEP_ID}"


def _contracts(n: int, consumer: str = "castle-client") -> list:  # type: ignore[type-arg]
    return [
        interaction(i, consumer=consumer, test_id=f"tests/test_castle.py::test_{i}", run_id="r1")
        for i in range(n)
    ]


def test_recordings_go_to_the_broker_and_the_state_says_so(
    daemon: Daemon, broker: tuple[str, BrokerState]
) -> None:
    url, state = broker
    daemon.start()
    with daemon.client() as client:
        client.upload_interactions([*_contracts(3), interaction(50)])  # one exploratory
        wait_for(lambda: len(state.interactions) == 3, what="the contracts at the broker")
        wait_for(lambda: client.sync_state().pushed == 3, what="the push to be counted")
        synced = client.sync_state()
        assert synced.state == "connected"
        assert synced.url == url
        assert synced.queued == 0
        assert synced.last_push is not None
        now = client.sync_now()  # POST /v1/sync: nothing left, still fine
        assert now.last_error is None
    status = daemon_cli(daemon.home, "status")
    assert f"broker:   connected ({url}), 0 queued" in status.stdout


def test_a_broker_answering_500s_keeps_the_outbox_and_the_mocks_serving(
    daemon: Daemon, broker: tuple[str, BrokerState], tmp_path: Path
) -> None:
    _url, state = broker
    state.failing = True
    project = castle_project(tmp_path)
    daemon.start()
    with daemon.client() as client:
        client.attach_project(project.config)
        since = last_seq(client)
        client.upload_interactions(_contracts(2))
        alert = wait_for_event(
            client, since, is_event(EventKind.SYNC_ERROR, cause="broker"), what="sync.error"
        )
        assert "HTTP 500" in alert.payload["message"]
        synced = client.sync_state()
        assert synced.state == "error"
        assert synced.queued == 2  # kept
        assert "HTTP 500" in (synced.last_error or "")
        assert any(a.kind == EventKind.SYNC_ERROR for a in client.alerts())
        wait_for(lambda: any(m.url for m in client.mocks()), what="the castle mock")
        answer = httpx.get(f"{project.url}/castles", timeout=10)
        assert answer.status_code == 200  # the mock serves whatever the broker does
        state.failing = False  # it recovers: the queue goes, once
        wait_for(lambda: client.sync_state().queued == 0, what="the outbox to empty")
        assert len(state.interactions) == 2
        wait_for(lambda: client.sync_state().state == "connected", what="connected again")


def test_a_wrong_key_is_refused_and_said(
    daemon: Daemon, broker: tuple[str, BrokerState], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, state = broker
    monkeypatch.setenv("ENTENTE_API_KEY", "revoked-key")
    daemon.start()
    with daemon.client() as client:
        since = last_seq(client)
        client.upload_interactions(_contracts(1))
        alert = wait_for_event(
            client, since, is_event(EventKind.SYNC_ERROR, cause="key"), what="the key alert"
        )
        assert f"the broker at {url} refused the API key" in alert.payload["message"]
        synced = client.sync_state()
        assert synced.state == "key refused"
        assert synced.queued == 1
    assert state.interactions == {}


def test_a_spec_from_the_broker_starts_the_consumers_mock(
    daemon: Daemon, broker: tuple[str, BrokerState], tmp_path: Path
) -> None:
    """``spec = "from broker"``: no spec yet, the mock cannot start; once the provider's
    spec version reaches the broker, the sync pulls it and the mock serves it."""
    url, _state = broker
    project = castle_project(tmp_path)
    text = project.config.read_text()
    project.config.write_text(
        text.replace('spec = "../castle-service/openapi.yaml"', 'spec = "from broker"')
    )
    daemon.start()
    with daemon.client() as client:
        client.attach_project(project.config)
        wait_for(lambda: any(m.state == "error" for m in client.mocks()), what="the mock to wait")
        document = load_spec(project.spec).document
        spec = SpecVersion(
            service="castle-service",
            version="1.0.0",
            spec=document,
            content_hash=content_hash(document),
        )
        # Another workstation's sync uploads the provider's spec version.
        httpx.post(
            f"{url}/api/v1/spec-versions",
            json=spec.model_dump(mode="json"),
            headers={"Authorization": f"Bearer {KEY}"},
        ).raise_for_status()
        wait_for(
            lambda: any(m.state == "running" and m.url for m in client.mocks()),
            what="the mock to serve the pulled spec",
        )
        assert httpx.get(f"{project.url}/castles", timeout=10).status_code == 200
