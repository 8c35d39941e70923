"""End to end: a real broker process (``entente broker serve``, SQLite) and real daemons with
their own Entente homes, all on 127.0.0.1.

* castle-client's and castle-service's workstations meet through the broker: contracts,
  a verification, a deployment, an approved fixture in the other side's mock, and
  can-i-deploy answering alike on both daemons and the broker;
* faults: the broker killed (``kill -9``) in the middle of a sync and started again, a daemon
  killed in the middle of a push, a revoked key. Nothing acknowledged is lost, nothing is
  stored twice.

One broker serves the module (it takes seconds to start); each test uses its own service
names, so that what one test sent does not count in another's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from entente_daemon.client.broker_api import BrokerClient
from entente_daemon.client.deploy_wire import DeployQuestion
from entente_daemon.model import (
    Deployment,
    EventKind,
    Fixture,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    Interaction,
    Verification,
    VerificationResult,
    utc_now,
)
from tests.broker.postgres import Cluster
from tests.daemon.castle_project import castle_project, is_event, last_seq, wait_for_event
from tests.daemon.conftest import Daemon, interaction, wait_for
from tests.sync.real_broker import RealBroker

pytestmark = pytest.mark.slow

KEEP_ID = "0b4f3c1e-2d5a-4e6f-8a9b-1c2d3e4f5a6b"
KEEP = f"/castles/{KEEP_ID}"
SPEC = Path(__file__).resolve().parents[2] / "examples" / "castle-service" / "openapi.yaml"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealBroker]:
    running = RealBroker(tmp_path_factory.mktemp("broker"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def key(broker: RealBroker, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """A fresh write key, and the environment a daemon started now syncs with."""
    return _use(broker, monkeypatch, request.node.name)


def _contracts(n: int, consumer: str, provider: str) -> list[Interaction]:
    return [
        interaction(
            i,
            consumer=consumer,
            provider=provider,
            test_id=f"tests/test_{consumer}.py::test_{i}",
            run_id="run-1",
        )
        for i in range(n)
    ]


def _at_broker(url: str, key: str, provider: str) -> list[Interaction]:
    with BrokerClient(url, key) as client:
        return list(client.all_interactions(provider=provider))


def _provider_project(root: Path) -> Path:
    folder = root / "castle-service"
    folder.mkdir(parents=True)
    (folder / "openapi.yaml").write_bytes(SPEC.read_bytes())
    config = folder / "entente.toml"
    config.write_text(
        'service = "castle-service"\nversion = "2.0.0"\n\n[provider]\nspec = "openapi.yaml"\n'
    )
    return config


@pytest.fixture(scope="module")
def pg_broker(
    pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealBroker]:
    running = RealBroker(tmp_path_factory.mktemp("pg-broker"), pg_cluster.new_database())
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _use(broker: RealBroker, monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    made = broker.key(name[:60])
    monkeypatch.setenv("ENTENTE_SERVICE_URL", broker.url)
    monkeypatch.setenv("ENTENTE_API_KEY", made)
    monkeypatch.setenv("ENTENTE_SYNC_WAIT", "1")
    monkeypatch.setenv("ENTENTE_SYNC_BACKOFF_CAP", "0.5")
    return made


def test_two_workstations_meet_through_the_broker(
    broker: RealBroker, key: str, tmp_path: Path
) -> None:
    """castle-client's daemon records; the sync carries it to the broker; castle-service's
    daemon pulls it and verifies; the results flow back; a fixture approved on the
    service's side reaches the client's mock; can-i-deploy answers alike everywhere."""
    _two_workstations(broker, key, tmp_path)


def test_two_workstations_meet_through_a_postgresql_broker(
    pg_broker: RealBroker,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    """The same through a broker on PostgreSQL (a private cluster; skipped, with the reason,
    where PostgreSQL is not installed)."""
    _two_workstations(pg_broker, _use(pg_broker, monkeypatch, request.node.name), tmp_path)


def _two_workstations(broker: RealBroker, key: str, tmp_path: Path) -> None:
    client_side = Daemon(tmp_path / "a" / "h")
    service_side = Daemon(tmp_path / "b" / "h")
    project = castle_project(tmp_path / "a")
    try:
        client_side.start()
        service_side.start()
        with client_side.client() as a, service_side.client() as b:
            a.attach_project(project.config)
            b.attach_project(_provider_project(tmp_path / "b"))
            a.upload_interactions(_contracts(2, "castle-client", "castle-service"))
            a.upload_interactions([interaction(90)])  # exploratory: stays on the workstation

            # The provider's daemon pulls the consumer's contracts (and only those).
            wait_for(
                lambda: len(b.interactions(provider="castle-service").items) == 2,
                what="the contracts on the provider's side",
            )
            assert len(_at_broker(broker.url, key, "castle-service")) == 2

            # ... verifies them; the results flow back to the consumer's side.
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
                    body={"id": KEEP_ID, "name": "Bran's keep", "region": "N", "yearBuilt": 1100},
                ),
            )
            b.upload_interactions([], [fixture])
            proposed = b.fixtures(provider="castle-service")
            assert len(proposed) == 1
            b.approve(proposed[0].id, by="ana")
            wait_for(
                lambda: any(
                    f.status is FixtureStatus.APPROVED and f.approved_by == "ana"
                    for f in a.fixtures(provider="castle-service")
                ),
                what="the approved fixture, and who approved it, on the client's side",
            )

            def served_by_fixture() -> bool:
                answer = httpx.get(f"{project.url}{KEEP}", timeout=10)
                return bool(answer.headers.get("X-Entente-Source") == "fixture")

            wait_for(served_by_fixture, what="the client's mock to answer with the fixture")
            assert httpx.get(f"{project.url}{KEEP}", timeout=10).json()["name"] == "Bran's keep"

            # can-i-deploy answers the same on both daemons and on the broker.
            question = DeployQuestion(service="castle-client", version="1.0.0", environment="prod")
            wait_for(
                lambda: a.can_i_deploy(question).summary == b.can_i_deploy(question).summary,
                what="both daemons to answer can-i-deploy alike",
            )
            answer = a.can_i_deploy(question).summary
            assert answer.deployable
            with BrokerClient(broker.url, key) as remote:
                assert remote.can_i_deploy(question).summary.answer == answer.answer
                assert remote.can_i_deploy(question).summary.deployable
    finally:
        client_side.ensure_gone()
        service_side.ensure_gone()


def test_the_broker_killed_mid_sync_loses_and_doubles_nothing(
    broker: RealBroker, key: str, daemon: Daemon
) -> None:
    daemon.start()
    contracts = _contracts(600, "moat-client", "moat-service")
    with daemon.client() as client:
        since = last_seq(client)
        client.upload_interactions(contracts[:400])
        wait_for(lambda: client.sync_state().pushed > 0, what="the push to begin", timeout=30)
        broker.kill()  # after the first batch of 200: the next ones in flight or queued
        client.upload_interactions(contracts[400:])  # recorded while the broker is down
        wait_for_event(
            client, since, is_event(EventKind.SYNC_ERROR, cause="unreachable"), what="sync.error"
        )
        assert client.sync_state().queued > 0  # kept
        broker.start()
        wait_for(lambda: client.sync_state().queued == 0, what="the outbox to empty", timeout=60)
    stored = _at_broker(broker.url, key, "moat-service")
    assert len(stored) == 600
    assert len({i.content_hash for i in stored}) == 600  # nothing twice


def test_a_daemon_killed_mid_push_loses_and_doubles_nothing(
    broker: RealBroker, key: str, daemon: Daemon
) -> None:
    daemon.start()
    contracts = _contracts(500, "wall-client", "wall-service")
    with daemon.client() as client:
        client.upload_interactions(contracts)  # acknowledged: durable, queued with them
        wait_for(lambda: client.sync_state().pushed > 0, what="the push to begin", timeout=30)
    daemon.kill()
    daemon.start()  # the queue is where the kill left it
    with daemon.client() as client:
        wait_for(lambda: client.sync_state().queued == 0, what="the outbox to empty", timeout=60)
        assert client.interactions(provider="wall-service").total == 500
    stored = _at_broker(broker.url, key, "wall-service")
    assert len(stored) == 500
    assert len({i.content_hash for i in stored}) == 500


def test_a_revoked_key_is_refused_and_said(
    broker: RealBroker, key: str, daemon: Daemon, request: pytest.FixtureRequest
) -> None:
    daemon.start()
    with daemon.client() as client:
        client.upload_interactions(_contracts(1, "gate-client", "gate-service"))
        wait_for(lambda: client.sync_state().pushed == 1, what="the first push")
        broker.revoke(request.node.name[:60])
        since = last_seq(client)
        client.upload_interactions(_contracts(2, "gate-client", "gate-service")[1:])
        alert = wait_for_event(
            client, since, is_event(EventKind.SYNC_ERROR, cause="key"), what="the key alert"
        )
        assert f"the broker at {broker.url} refused the API key" in alert.payload["message"]
        state = client.sync_state()
        assert state.state == "key refused"
        assert state.queued >= 1  # kept for when a valid key is given
