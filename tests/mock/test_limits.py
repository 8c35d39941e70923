"""A mock's limits (`ServerLimits`): oversized heads (431) and bodies (413), slow senders
(408) beside clients answered meanwhile, the connection cap shedding the oldest idle
connection, on Entente's own server over raw sockets; the same refusals under uvicorn; and
what used to be a 500 ("bug in Entente") now a 400."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from entente_daemon.config import ServerLimits
from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.uvicorn_server import SERVER_ENV, MockServer
from entente_daemon.openapi import Spec, load_spec

from .test_direct_server import CASTLE, CHAMBORD, GET, Client

SMALL = ServerLimits(
    max_header_bytes=4096,
    max_headers=20,
    max_body_bytes=1000,
    request_timeout=1.0,
    max_connections=4,
)
ANSWER_WAIT = 30.0  # the deadline for any answer awaited below


@pytest.fixture(scope="module")
def castle() -> Spec:
    return load_spec(CASTLE)


def serve(castle: Spec, limits: ServerLimits) -> MockServer:
    return MockServer(MockApp(MockEngine(castle), limits=limits)).start()


@pytest.fixture
def server(home: Path, castle: Spec, monkeypatch: pytest.MonkeyPatch) -> Iterator[MockServer]:
    monkeypatch.delenv(SERVER_ENV, raising=False)
    running = serve(castle, SMALL)
    assert running._direct is not None  # Entente's own server
    yield running
    running.stop()


@pytest.fixture
def uvicorn_server(
    home: Path, castle: Spec, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MockServer]:
    monkeypatch.setenv(SERVER_ENV, "uvicorn")
    running = serve(castle, SMALL)
    assert running._direct is None  # uvicorn
    yield running
    running.stop()


@pytest.fixture
def connect() -> Iterator[Callable[[int], Client]]:
    """Raw connections, each closed after the test."""
    made: list[Client] = []

    def open_one(port: int) -> Client:
        made.append(Client(port))
        return made[-1]

    yield open_one
    for client in made:
        client.close()


def post(body: bytes, *extra: str) -> bytes:
    head = "POST /castles HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
    head += "".join(f"{line}\r\n" for line in extra)
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def send_all(client: Client, data: bytes) -> None:
    """Send ``data``; the server may refuse and stop reading before the end."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        client.send(data)


def problem(answer: tuple[int, dict[str, str], bytes]) -> dict[str, object]:
    status, headers, body = answer
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    document: dict[str, object] = json.loads(body)
    assert document["status"] == status
    return document


# -- heads -----------------------------------------------------------------------------------


def test_too_many_headers_are_refused_with_431(
    server: MockServer, connect: Callable[[int], Client]
) -> None:
    client = connect(server.port)
    lines = [f"X-Filler-{n}: {n}" for n in range(10_000)]
    send_all(client, GET.replace("\r\n\r\n", "\r\n" + "\r\n".join(lines) + "\r\n\r\n").encode())
    answer = client.answer()
    assert answer[0] == 431
    assert "more than 20 header lines" in str(problem(answer)["detail"])
    assert client.closed()


def test_a_header_too_large_is_refused_with_431_before_it_ends(
    server: MockServer, connect: Callable[[int], Client]
) -> None:
    """An 8 MB header never ending: refused once the limit is passed, not buffered."""
    client = connect(server.port)
    client.send(f"GET /castles/{CHAMBORD['name']} HTTP/1.1\r\nHost: mock\r\nX-Big: ")
    sender = threading.Thread(target=send_all, args=(client, b"a" * 8_000_000), daemon=True)
    sender.start()
    answer = client.answer()
    assert answer[0] == 431
    assert "exceed 4096 bytes" in str(problem(answer)["detail"])
    assert client.closed()
    sender.join(ANSWER_WAIT)


def test_a_head_over_the_limit_arriving_at_once_is_refused(
    server: MockServer, connect: Callable[[int], Client]
) -> None:
    client = connect(server.port)
    send_all(client, GET.replace("\r\n\r\n", "\r\nX-Big: " + "b" * 5000 + "\r\n\r\n").encode())
    assert client.answer()[0] == 431


# -- bodies ----------------------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_refused_with_413_unread(
    server: MockServer, connect: Callable[[int], Client]
) -> None:
    client = connect(server.port)
    head = "POST /castles HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
    client.send(head + "Content-Length: 200000000\r\n\r\n")  # 200 MB announced, none sent
    answer = client.answer()
    assert answer[0] == 413
    assert "exceeds 1000 bytes (Content-Length: 200000000)" in str(problem(answer)["detail"])
    assert client.closed()


def test_a_chunked_body_over_the_limit_is_refused_with_413(
    server: MockServer, connect: Callable[[int], Client]
) -> None:
    client = connect(server.port)
    head = (
        "POST /castles HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"600\r\n" + b" " * 0x600 + b"\r\n"
    send_all(client, head.encode() + chunk + chunk)
    answer = client.answer()
    assert answer[0] == 413
    assert client.closed()


def test_a_body_within_the_limit_is_answered(
    server: MockServer, connect: Callable[[int], Client]
) -> None:
    client = connect(server.port)
    client.send(post(json.dumps(CHAMBORD).encode()))
    assert client.answer()[0] == 201


# -- slow senders and the connection cap -----------------------------------------------------


def test_a_slow_sender_gets_408_while_others_are_answered(
    server: MockServer, connect: Callable[[int], Client]
) -> None:
    slow = connect(server.port)
    slow.send(GET[: GET.index("Accept")])  # half a request, then nothing
    with httpx.Client(base_url=server.url, timeout=ANSWER_WAIT) as http:
        for _ in range(5):
            assert http.get("/castles").status_code == 200
    slow.sock.settimeout(ANSWER_WAIT)  # the deadline: the 408 comes after about 1s
    answer = slow.answer()
    assert answer[0] == 408
    assert "within 1s" in str(problem(answer)["detail"])
    assert slow.closed()


@pytest.fixture
def capped(home: Path, castle: Spec, monkeypatch: pytest.MonkeyPatch) -> Iterator[MockServer]:
    """At most 4 connections, and time enough that no request is refused for slowness."""
    monkeypatch.delenv(SERVER_ENV, raising=False)
    running = serve(castle, replace(SMALL, request_timeout=600.0))
    yield running
    running.stop()


def test_past_the_cap_the_oldest_idle_connection_is_closed(
    capped: MockServer, connect: Callable[[int], Client]
) -> None:
    server = capped
    clients = []
    for _ in range(4):  # the cap, each used once and then idle, oldest first
        client = connect(server.port)
        client.send(GET)
        assert client.answer()[0] == 200
        clients.append(client)
    newcomer = connect(server.port)
    newcomer.send(GET)
    assert newcomer.answer()[0] == 200
    assert clients[0].closed()  # the oldest idle one made room
    for client in clients[1:]:
        client.send(GET)
        assert client.answer()[0] == 200


def test_tricklers_filling_the_cap_do_not_lock_others_out(
    capped: MockServer, connect: Callable[[int], Client]
) -> None:
    """Four connections each in the middle of a request that never ends: a newcomer is
    answered, and the oldest trickler was shed (503 when the server saw its request begun,
    else closed as idle)."""
    server = capped
    tricklers = []
    for _ in range(4):
        client = connect(server.port)
        client.send(GET)
        assert client.answer()[0] == 200  # accepted, in this order
        client.send(GET[: GET.index("Accept")])
        tricklers.append(client)
    with httpx.Client(base_url=server.url, timeout=ANSWER_WAIT) as http:
        assert http.get("/castles").status_code == 200
    assert tricklers[0].closed()
    if tricklers[0].buffer:
        assert tricklers[0].buffer.startswith(b"HTTP/1.1 503 ")
        assert b"connections are open" in tricklers[0].buffer


# -- uvicorn -----------------------------------------------------------------------------------


def test_uvicorn_refuses_an_oversized_body_and_too_many_headers(
    uvicorn_server: MockServer,
) -> None:
    with httpx.Client(base_url=uvicorn_server.url, timeout=ANSWER_WAIT) as http:
        big = http.post("/castles", content=b"x" * 5000, headers={"content-type": "text/plain"})
        assert big.status_code == 413
        assert big.headers["content-type"] == "application/problem+json"
        many = http.get("/castles", headers={f"x-filler-{n}": "1" for n in range(50)})
        assert many.status_code == 431
        assert http.get("/castles").status_code == 200


# -- 400, not 500 ----------------------------------------------------------------------------


def test_a_50000_digit_integer_in_a_body_is_a_400(home: Path, castle: Spec) -> None:
    body = b'{"name": "Chambord", "region": "Loire", "yearBuilt": ' + b"1" * 50_000 + b"}"
    with MockServer(MockApp(MockEngine(castle))) as running, httpx.Client() as http:
        answer = http.post(
            running.url + "/castles", content=body, headers={"content-type": "application/json"}
        )
    assert answer.status_code == 400, answer.text
    document = answer.json()
    assert "50000 digits" in json.dumps(document)
    assert "bug in Entente" not in answer.text


def test_nothing_blocks_normal_clients_while_a_huge_header_trickles(
    server: MockServer, connect: Callable[[int], Client]
) -> None:
    hog = socket.create_connection(("127.0.0.1", server.port), timeout=ANSWER_WAIT)
    hog.sendall(b"GET / HTTP/1.1\r\nX-Hog: " + b"h" * 3000)
    with httpx.Client(base_url=server.url, timeout=ANSWER_WAIT) as http:
        assert http.get("/castles").status_code == 200
    hog.close()
