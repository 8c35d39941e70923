"""Who may talk to the daemon: the token on TCP, no browsers, no foreign Host, either way."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import httpx
import pytest

from entente_daemon.client import DaemonClient, RuntimeInfo
from entente_daemon.client.runtime import read_token

from .conftest import Daemon


@pytest.fixture(scope="module")
def tcp_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    handle = Daemon(tmp_path_factory.mktemp("tcp") / "h")
    handle.start(tcp=True)
    try:
        yield handle
    finally:
        handle.ensure_gone()


@pytest.fixture(scope="module")
def token(tcp_daemon: Daemon) -> str:
    value = read_token(tcp_daemon.paths)
    assert value is not None
    assert len(value) >= 40
    return value


def tcp(info: RuntimeInfo) -> httpx.Client:
    assert info.tcp_port is not None
    return httpx.Client(base_url=f"http://127.0.0.1:{info.tcp_port}", timeout=30, trust_env=False)


def test_tcp_listens_on_loopback_with_a_private_token(tcp_daemon: Daemon, token: str) -> None:
    info = tcp_daemon.info
    assert info.url == f"http://127.0.0.1:{info.tcp_port}"
    assert stat.S_IMODE(os.stat(tcp_daemon.paths.token).st_mode) == 0o600


def test_tcp_needs_the_token(tcp_daemon: Daemon, token: str) -> None:
    with tcp(tcp_daemon.info) as http:
        missing = http.get("/v1/status")
        assert missing.status_code == 401
        assert "Authorization: Bearer" in missing.json()["error"]
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = http.get("/v1/status", headers={"Authorization": "Bearer " + "x" * len(token)})
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "wrong token"
        basic = http.get("/v1/status", headers={"Authorization": f"Basic {token}"})
        assert basic.status_code == 401
        right = http.get("/v1/status", headers={"Authorization": f"Bearer {token}"})
        assert right.status_code == 200
        assert right.json()["tcp_port"] == tcp_daemon.info.tcp_port


def test_the_client_can_use_tcp(tcp_daemon: Daemon) -> None:
    with DaemonClient.connect(tcp_daemon.home, prefer_tcp=True) as client:
        assert client.endpoint.socket is None
        assert client.status().pid == tcp_daemon.info.pid


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_browsers_are_refused_on_both_transports(
    tcp_daemon: Daemon, token: str, headers: dict[str, str]
) -> None:
    with tcp(tcp_daemon.info) as http:
        response = http.get("/v1/status", headers={**headers, "Authorization": f"Bearer {token}"})
        assert response.status_code == 403
        assert "browsers" in response.json()["error"]
    with tcp_daemon.http() as http:
        response = http.get("/v1/status", headers=headers)
        assert response.status_code == 403
        assert "browsers" in response.json()["error"]


def test_a_foreign_host_is_refused_on_both_transports(tcp_daemon: Daemon, token: str) -> None:
    port = tcp_daemon.info.tcp_port
    auth = {"Authorization": f"Bearer {token}"}
    with tcp(tcp_daemon.info) as http:
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1", "localhost:1"):
            response = http.get("/v1/status", headers={**auth, "Host": host})
            assert response.status_code == 403, host
            assert "is not this daemon" in response.json()["error"]
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
            assert http.get("/v1/health", headers={**auth, "Host": host}).status_code == 200
    with tcp_daemon.http() as http:
        response = http.get("/v1/status", headers={"Host": "attacker.example"})
        assert response.status_code == 403
        for host in ("entente-daemon", "localhost", "127.0.0.1"):
            assert http.get("/v1/health", headers={"Host": host}).status_code == 200
