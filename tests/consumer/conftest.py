"""Shared set-up of the consumer tests: a temporary Entente home and a consumer project, and
small real HTTP servers on 127.0.0.1 (a provider, a broker) run in threads."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.consumer import EntenteClient, create_client

ROOT = Path(__file__).resolve().parents[2]
CASTLE_SPEC = ROOT / "examples" / "castle-service" / "openapi.yaml"
VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ENTENTE_HOME; CI, broker and run-id variables cleared."""
    path = tmp_path / "home"
    monkeypatch.setenv("ENTENTE_HOME", str(path))
    for name in ("CI", "ENTENTE_API_KEY", "ENTENTE_SERVICE_URL", "ENTENTE_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    return path


def write_project(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entente.toml").write_text(
        'service = "castle-client"\n'
        'version = "1.0.0"\n'
        f"{extra}\n"
        "[[providers]]\n"
        'name = "castle-service"\n'
        'version = "1.0.0"\n'
        f"spec = {json.dumps(str(CASTLE_SPEC))}\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def project(tmp_path: Path, home: Path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture
def client(project: Path) -> Iterator[EntenteClient]:
    with create_client(project, recording=True) as made:
        yield made


# -- tiny real servers ---------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class TinyServer:
    url: str
    received: list[Received] = field(default_factory=list)


Respond = Callable[[Received], tuple[int, dict[str, str], bytes]]


@pytest.fixture
def tiny_server() -> Iterator[Callable[[Respond], TinyServer]]:
    """Start stdlib HTTP servers on 127.0.0.1 answering through ``respond``; every request
    is kept in ``received``. All are shut down after the test."""
    running: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start(respond: Respond) -> TinyServer:
        state = TinyServer(url="")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                got = Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                state.received.append(got)
                status, headers, body = respond(got)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, fmt: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        running.append((server, thread))
        state.url = f"http://127.0.0.1:{server.server_address[1]}"
        return state

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
