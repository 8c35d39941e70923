"""Entente's own HTTP/1.1 serving of a `MockApp` (`entente_daemon.mock.serving.http1` and
`.direct`), over raw sockets on 127.0.0.1: what HTTP asks of a server beyond one request
and one answer (keep-alive, pipelining, closing, chunked bodies, ``100-continue``,
``HEAD``, malformed requests, a client that does not read, the idle timeout, the graceful
stop), and the uvicorn fallback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.serving import direct as direct_module
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.uvicorn_server import SERVER_ENV, MockServer
from entente_daemon.openapi import Spec, load_spec

CASTLE = Path(__file__).resolve().parents[2] / "examples" / "castle-service" / "openapi.yaml"
VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
GET = f"GET /castles/{VERSAILLES} HTTP/1.1\r\nHost: mock\r\nAccept: application/json\r\n\r\n"
CHAMBORD = {"name": "Chambord", "region": "Loire", "yearBuilt": 1519}


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTENTE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(SERVER_ENV, raising=False)


@pytest.fixture(scope="module")
def castle() -> Spec:
    return load_spec(CASTLE)


@pytest.fixture
def server(castle: Spec) -> Iterator[MockServer]:
    with MockServer(MockApp(MockEngine(castle))) as running:
        assert running._direct is not None  # served by Entente's protocol
        yield running


class Client:
    """A raw HTTP/1.1 connection, reading whole answers (Content-Length framed)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buffer = b""

    def send(self, data: str | bytes) -> None:
        self.sock.sendall(data.encode("latin-1") if isinstance(data, str) else data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def answer(self, *, head: bool = False) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            assert self._fill(), f"connection closed; got {self.buffer!r}"
        top, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = top.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            assert self._fill(), "connection closed in the middle of a body"
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(status_line.split()[1]), headers, body

    def closed(self) -> bool:
        """Whether the server closes the connection (waits for it, up to the timeout)."""
        try:
            while self._fill():
                pass
        except ConnectionResetError:
            pass
        return True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def client(server: MockServer) -> Iterator[Client]:
    connection = Client(server.port)
    yield connection
    connection.close()


def test_keep_alive_and_pipelined_requests_answered_in_order(client: Client) -> None:
    client.send(GET)
    status, headers, body = client.answer()
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert headers["x-entente-source"] == "example"
    assert "date" in headers
    assert json.loads(body)["id"] == VERSAILLES
    pipelined = GET + "GET /nowhere HTTP/1.1\r\nHost: mock\r\n\r\n" + GET
    client.send(pipelined)
    assert [client.answer()[0] for _ in range(3)] == [200, 404, 200]


def test_connection_close_and_http_10_close_after_the_answer(server: MockServer) -> None:
    for request in (
        GET.replace("Host: mock\r\n", "Host: mock\r\nConnection: close\r\n"),
        GET.replace("HTTP/1.1", "HTTP/1.0"),
    ):
        client = Client(server.port)
        client.send(request)
        status, headers, _ = client.answer()
        assert status == 200
        assert headers["connection"] == "close"
        assert client.closed()
        client.close()


def test_a_malformed_request_is_a_400_and_closes(client: Client) -> None:
    client.send("NOT HTTP AT ALL\r\n\r\n")
    status, headers, body = client.answer()
    assert status == 400
    assert body == b"Invalid HTTP request received."
    assert headers["connection"] == "close"
    assert client.closed()


def test_a_chunked_body_is_read_and_validated(client: Client) -> None:
    payload = json.dumps(CHAMBORD).encode()
    head = (
        "POST /castles HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    middle = len(payload) // 2
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(part), part) for part in (payload[:middle], payload[middle:])
    )
    client.send(head.encode() + chunks + b"0\r\n\r\n")
    status, _, body = client.answer()
    assert status == 201, body
    wrong = json.dumps({**CHAMBORD, "yearBuilt": "old"}).encode()
    client.send(head.encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(wrong), wrong))
    status, _, body = client.answer()
    assert status == 400
    assert "yearBuilt" in body.decode()


def test_expect_100_continue_gets_an_interim_answer(client: Client) -> None:
    payload = json.dumps(CHAMBORD).encode()
    client.send(
        "POST /castles HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
        f"Expect: 100-continue\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    assert client.answer()[0] == 100  # before the body is sent
    client.send(payload)
    assert client.answer()[0] == 201


def test_head_has_headers_and_no_body(client: Client) -> None:
    client.send(GET.replace("GET", "HEAD", 1) + GET)
    status, headers, _ = client.answer(head=True)
    assert int(headers["content-length"]) > 0
    assert status == 200  # the castle spec documents no HEAD: answered as its GET
    status, _, body = client.answer()  # the next answer starts right after the headers
    assert status == 200
    assert json.loads(body)["id"] == VERSAILLES


def test_a_client_that_does_not_read_gets_every_answer(client: Client) -> None:
    client.send(GET * 2000)  # well over the transport's write buffer
    statuses = [client.answer()[0] for _ in range(2000)]
    assert statuses == [200] * 2000


def test_idle_connections_are_closed(castle: Spec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(direct_module, "KEEP_ALIVE_SECONDS", 0.2)
    with MockServer(MockApp(MockEngine(castle))) as server:
        client = Client(server.port)
        client.send(GET)
        assert client.answer()[0] == 200
        assert client.closed()  # by the sweep, well within the socket's timeout
        client.close()


def test_stopping_finishes_the_request_being_received(castle: Spec) -> None:
    server = MockServer(MockApp(MockEngine(castle))).start()
    client = Client(server.port)
    client.send(GET[:20])  # half a request
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    client.send(GET[20:])
    assert client.answer()[0] == 200
    assert client.closed()
    stopper.join(30)
    assert not stopper.is_alive()
    assert not server.running
    client.close()


def test_other_apps_and_the_fallback_are_served_by_uvicorn(
    castle: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hello"})

    with MockServer(hello) as server:
        assert server._direct is None
        assert httpx.get(server.url + "/").text == "hello"
    monkeypatch.setenv(SERVER_ENV, "uvicorn")
    with MockServer(MockApp(MockEngine(castle))) as server:
        assert server._direct is None
        answer = httpx.get(f"{server.url}/castles/{VERSAILLES}")
        assert answer.status_code == 200
        assert answer.json()["id"] == VERSAILLES
