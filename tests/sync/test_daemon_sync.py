"""The daemon's sync, through real daemons on 127.0.0.1 and a broker on loopback: records
go out on their own, a failing broker or a wrong key keeps the outbox (and the mocks
serving), and two workstations meet through the broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from entente_daemon.client import DaemonClient
from entente_daemon.client.deploy_wire import DeployQuestion
from entente_daemon.model import (
    Deployment,
    EventKind,
    Fixture,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    Verification,
    VerificationResult,
    utc_now,
)
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


def _provider_project(root: Path) -> Path:
    folder = root / "castle-service"
    folder.mkdir(parents=True)
    spec = Path(__file__).resolve().parents[2] / "examples" / "castle-service" / "openapi.yaml"
    (folder / "openapi.yaml").write_bytes(spec.read_bytes())
    config = folder / "entente.toml"
    config.write_text(
        'service = "castle-service"\nversion = "2.0.0"\n\n[provider]\nspec = "openapi.yaml"\n'
    )
    return config


def test_two_workstations_meet_through_the_broker(
    broker: tuple[str, BrokerState], tmp_path: Path
) -> None:
    """castle-client's daemon records; the sync carries it to the broker; castle-service's
    daemon pulls it and verifies; the results flow back; a fixture approved on the service's
    side reaches the client's mock; can-i-deploy answers alike on both sides."""
    client_side = Daemon(tmp_path / "a" / "h")
    service_side = Daemon(tmp_path / "b" / "h")
    project = castle_project(tmp_path / "a")
    try:
        client_side.start()
        service_side.start()
        with client_side.client() as a, service_side.client() as b:
            a.attach_project(project.config)
            b.attach_project(_provider_project(tmp_path / "b"))
            contracts = _contracts(2)
            a.upload_interactions(contracts)

            # The provider's daemon pulls the consumer's contracts.
            wait_for(
                lambda: len(b.interactions(provider="castle-service").items) == 2,
                what="the contracts on the provider's side",
            )
            # ... verifies them, and the results flow back to the consumer's side.
            pulled = b.interactions(provider="castle-service").items
            run = b.open_verification_run("castle-service", "2.0.0", total=len(pulled))
            verification = Verification(
                provider="castle-service",
                provider_version="2.0.0",
                consumer="castle-client",
                consumer_version="1.0.0",
                finished_at=utc_now(),
                results=[
                    VerificationResult(
                        interaction_id=i.id,
                        interaction_hash=i.content_hash,
                        operation_id=i.operation_id,
                        ok=True,
                    )
                    for i in pulled
                ],
            )
            b.finish_verification_run(run.id, [verification])
            b.record_deployment(
                Deployment(service="castle-service", version="2.0.0", environment="prod")
            )
            wait_for(
                lambda: any(v.id == verification.id for v in a.verifications()),
                what="the verification on the consumer's side",
            )
            wait_for(lambda: bool(a.deployments()), what="the deployment on the client side")

            # A fixture proposed and approved on the service's side reaches the client's mock.
            fixture = Fixture(
                provider="castle-service",
                operation_id="getCastle",
                request=HttpRequest(method="GET", path=KEEP),
                response=HttpResponse(
                    status=200,
                    body={
                        "id": KEEP_ID,
                        "name": "Bran's keep",
                        "region": "North",
                        "yearBuilt": 1100,
                    },
                ),
            )
            b.upload_interactions([], [fixture])
            stored = b.fixtures(provider="castle-service")
            assert len(stored) == 1
            b.approve(stored[0].id, by="ana")
            wait_for(
                lambda: any(
                    f.status is FixtureStatus.APPROVED and f.approved_by == "ana"
                    for f in a.fixtures(provider="castle-service")
                ),
                what="the approved fixture on the client's side",
            )
            wait_for(
                lambda: (
                    httpx.get(f"{project.url}{KEEP}", timeout=10).headers.get("X-Entente-Source")
                    == "fixture"
                ),
                what="the client's mock to answer with the fixture",
            )
            assert httpx.get(f"{project.url}{KEEP}", timeout=10).json()["name"] == ("Bran's keep")

            # can-i-deploy answers the same on both sides.
            question = DeployQuestion(service="castle-client", version="1.0.0", environment="prod")
            wait_for(
                lambda: a.can_i_deploy(question).summary == b.can_i_deploy(question).summary,
                what="both daemons to answer can-i-deploy alike",
            )
            assert a.can_i_deploy(question).summary.deployable
    finally:
        client_side.ensure_gone()
        service_side.ensure_gone()


def _status_of(client: DaemonClient) -> str:
    return client.sync_state().state
