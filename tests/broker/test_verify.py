"""A provider verified from the broker, as in CI (``ENTENTE_SERVICE_URL``, no daemon): the
interactions come from the broker and the results are published there."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from entente_daemon.records import StoreRecords
from entente_daemon.verify.provider import create_provider

from .factories import interaction, unique
from .process import BrokerProcess

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "castles", "version": "2.0.0"},
    "paths": {
        "/castles/{id}": {
            "get": {
                "operationId": "listCastles",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "castles",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {"name": {"type": "string"}},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


class Castles(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = json.dumps([{"name": "Bodiam"}]).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        return None


@pytest.fixture
def castles() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Castles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_verify_reads_the_broker_and_publishes_there(
    broker: BrokerProcess,
    castles: str,
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider = unique("castle-service")
    with broker.client() as client:
        client.upload_interactions([interaction(provider, path=f"/castles/{n}") for n in range(3)])
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")
    monkeypatch.setenv("ENTENTE_SERVICE_URL", broker.url)
    monkeypatch.setenv("ENTENTE_API_KEY", broker.keys["write"])

    report = create_provider(name=provider, version="2.0.0", spec=spec).verify(
        castles, on_missing="continue"
    )

    assert report.total == 3
    assert [o.result.ok for o in report.outcomes] == [True, True, True]
    with broker.client() as client:
        published = client.verifications(provider=provider)
    assert [(v.provider_version, v.passed) for v in published] == [("2.0.0", 3)]
    assert StoreRecords().verifications() == []  # nothing in the local store
