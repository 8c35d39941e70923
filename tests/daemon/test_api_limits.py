"""The control API's limits and its 400s: a head over the cap refused (431) before the token
is checked, the token checked before any body is read, and what used to be a 500 (deeply
nested JSON, a 5,000-digit integer, a NUL byte in a path) a 400 saying what is wrong;
``HEAD`` answered as ``GET`` without a body."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from entente_daemon.daemon.process.settings import DaemonSettings

from .conftest import Daemon

ANSWER_WAIT = 30.0
CAP = DaemonSettings().max_header_bytes


@pytest.fixture(scope="module")
def tcp_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    handle = Daemon(tmp_path_factory.mktemp("limits") / "h")
    handle.start(tcp=True)
    try:
        yield handle
    finally:
        handle.ensure_gone()


def connect(daemon: Daemon) -> socket.socket:
    port = daemon.info.tcp_port
    assert port is not None
    return socket.create_connection(("127.0.0.1", port), timeout=ANSWER_WAIT)


def read_answer(sock: socket.socket) -> tuple[int, bytes]:
    """The status and everything the server sends until it closes the connection."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    assert data.startswith(b"HTTP/1.1 "), data[:200]
    return int(data.split(b" ", 2)[1]), data


def send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # refused before the end
        sock.sendall(data)


def test_a_huge_head_without_a_token_is_refused_before_it_ends(tcp_daemon: Daemon) -> None:
    port = tcp_daemon.info.tcp_port
    with connect(tcp_daemon) as sock:
        sock.sendall(f"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Big: ".encode())
        tail = b"a" * (8 * CAP) + b"\r\n\r\n"
        sender = threading.Thread(target=send_quietly, args=(sock, tail), daemon=True)
        sender.start()
        status, data = read_answer(sock)
        sender.join(ANSWER_WAIT)
    assert status == 431, data[:300]
    assert f"exceed {CAP} bytes".encode() in data


def test_the_token_is_checked_before_the_body_is_read(tcp_daemon: Daemon) -> None:
    """A 100 MB body announced without a token: 401 at once, the connection closed,
    nothing of the body waited for."""
    port = tcp_daemon.info.tcp_port
    with connect(tcp_daemon) as sock:
        sock.sendall(
            f"POST /v1/interactions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n".encode()
        )
        status, data = read_answer(sock)
    assert status == 401
    assert b"connection: close" in data.lower()


def test_daemon_still_answers_after_the_refusals(tcp_daemon: Daemon) -> None:
    with tcp_daemon.http() as http:
        assert http.get("/v1/health").status_code == 200


# -- 400s, not 500s ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http(tcp_daemon: Daemon) -> Iterator[httpx.Client]:
    with tcp_daemon.http() as client:
        yield client


def test_deeply_nested_json_is_a_400(http: httpx.Client) -> None:
    answer = http.post("/v1/interactions/delete", content=b"[" * 100_000)
    assert answer.status_code == 400
    assert "nested too deeply" in answer.json()["error"]


def test_a_5000_digit_integer_is_a_400(http: httpx.Client) -> None:
    answer = http.post("/v1/interactions/delete", content=b'{"ids": [' + b"1" * 5000 + b"]}")
    assert answer.status_code == 400
    assert "number too long" in answer.json()["error"]


@pytest.mark.parametrize("route", ["/v1/projects", "/v1/projects/detach"])
def test_a_nul_byte_in_a_project_path_is_a_400(http: httpx.Client, route: str) -> None:
    answer = http.post(route, json={"path": "/tmp/a\x00b/entente.toml"})
    assert answer.status_code == 400
    assert "NUL byte" in answer.json()["error"]


def test_a_nul_byte_in_a_spec_path_is_a_400(http: httpx.Client) -> None:
    answer = http.post(
        "/v1/fixtures/check", json={"provider": "castle-service", "spec": "/tmp/a\x00.yaml"}
    )
    assert answer.status_code == 400
    assert "NUL byte" in answer.json()["error"]


def test_head_on_a_get_route_answers_as_get_without_a_body(http: httpx.Client) -> None:
    got = http.get("/v1/health")
    head = http.head("/v1/health")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "application/json"
    assert int(head.headers["content-length"]) > 0
    assert got.status_code == 200
    refused = http.head("/v1/projects/detach")  # a POST route
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
