"""The broker's client and server, contract-tested with Entente itself, so that the broker's
published spec (`entente_daemon/broker/openapi.json`), its client and its code cannot drift:

1. the consumer side: `BrokerClient` talks to an Entente mock of the broker's own spec,
   which checks every request against the spec and records the interactions (made by a
   test: the client's contract);
2. the provider side: Entente verifies a real broker process against those recordings.
   The recordings' key is redacted (as every credential is), so the replay goes through a
   small proxy that adds a valid key: the provider's own set-up, as a state handler would be.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from entente_daemon.broker.openapi_doc import CHECKED_IN, checked_in, document
from entente_daemon.client.broker_api import BrokerClient
from entente_daemon.client.deploy_wire import DeployQuestion
from entente_daemon.consumer import create_client
from entente_daemon.verify.provider import create_provider

from .factories import interaction
from .process import BrokerProcess

CONSUMER = "entente-cli"
PROVIDER = "entente-broker"
TEST_ID = "tests/broker/test_contract.py::the_client"
#: What the client expects of a query nothing matches (a generated answer would have a
#: ``next`` cursor, which a real broker has only when there is more to read).
NOTHING_MATCHES = {
    "request": {"method": "GET", "path": "/api/v1/interactions"},
    "response": {
        "status": 200,
        "headers": {"content-type": "application/json"},
        "body": {"interactions": [], "next": None},
    },
}


def test_the_checked_in_spec_is_the_code_s(home: Path) -> None:
    assert checked_in() == document(), "run: python scripts/broker_openapi.py"


def record_the_client(project: Path) -> int:
    """What the CLI and sync do with the broker, through a recording mock of its spec."""
    client = create_client(project, recording=True)
    with (
        client.context.test(TEST_ID),
        client.create_mock(PROVIDER, port=0, local_fixtures=[NOTHING_MATCHES]) as mock,
        BrokerClient(mock.url, "ent_contract-test-key") as broker,
    ):
        assert broker.health().status
        receipt = broker.upload_interactions([interaction("castle-service")])
        assert isinstance(receipt.created, int)
        page = broker.interactions(provider="nobody-provides-this", limit=10)
        assert isinstance(page.interactions, list)
        decision = broker.can_i_deploy(
            DeployQuestion(service="nobody-deploys-this", version="1", environment="production")
        )
        assert decision.summary.answer in ("yes", "no", "unknown")
        assert isinstance(broker.events(after=0).events, list)
        assert isinstance(broker.environments(), list)
        recorded = len(mock.interactions)
        problems = [i.match.validation_errors for i in mock.interactions]
    assert not any(problems), problems  # every request the client sent fits the spec
    return recorded


class KeyProxy:
    """Forwards to the broker, adding ``Authorization: Bearer <key>``."""

    def __init__(self, target: str, key: str) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "authorization", "content-length")
                }
                headers["authorization"] = f"Bearer {key}"
                answer = outer.http.request(self.command, self.path, content=body, headers=headers)
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = _forward

            def log_message(self, *_: object) -> None:
                return None

        self.http = httpx.Client(base_url=target, timeout=30)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.http.close()


@pytest.fixture
def project(tmp_path: Path, home: Path) -> Path:
    folder = tmp_path / "cli"
    folder.mkdir()
    (folder / "entente.toml").write_text(
        f'service = "{CONSUMER}"\nversion = "0.1.0"\n\n'
        f'[[providers]]\nname = "{PROVIDER}"\nversion = "0.1.0"\n'
        f"spec = {json.dumps(str(CHECKED_IN))}\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def proxy(broker: BrokerProcess) -> Iterator[KeyProxy]:
    made = KeyProxy(broker.url, broker.keys["write"])
    yield made
    made.close()


def test_the_client_fits_the_spec_and_the_broker_keeps_it(
    project: Path, proxy: KeyProxy, home: Path
) -> None:
    recorded = record_the_client(project)
    provider = create_provider(name=PROVIDER, version="0.1.0", spec=CHECKED_IN)

    report = provider.verify(proxy.url, on_missing="continue")

    assert recorded == 6
    assert report.total == recorded
    failures = [
        (o.interaction.request.path, o.result.message) for o in report.outcomes if not o.result.ok
    ]
    assert failures == [], "\n".join(f"{p}: {m}" for p, m in failures)
