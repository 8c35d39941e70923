"""A percent-encoded ``..`` in a path is recorded as sent, not decoded into a traversal."""

from __future__ import annotations

import socket
from pathlib import Path

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.uvicorn_server import MockServer
from entente_daemon.openapi import load_spec
from entente_daemon.record import InteractionCapture, MemorySink
from tests.mock.serving import CASTLE


def send(port: int, path: str) -> bytes:
    """A raw request (an HTTP client would normalise the path before sending it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_an_encoded_dot_dot_is_recorded_as_sent(home: Path) -> None:
    sink = MemorySink()
    recorder = InteractionCapture("web", "1", "castle-service", "1.0.0", "local", sink)
    app = MockApp(MockEngine(load_spec(CASTLE)), recorder=recorder)
    with MockServer(app) as server:
        assert send(server.port, "/castles/%2e%2e/%2E%2E/etc").startswith(b"HTTP/1.1 ")
        assert send(server.port, "/castles/Ch%C3%A2teau").startswith(b"HTTP/1.1 ")
    paths = {i.request.path for i in sink.interactions()}
    assert "/castles/%2e%2e/%2E%2E/etc" in paths
    assert "/castles/Château" in paths  # harmless escapes are still decoded
    assert not any(".." in path for path in paths)
