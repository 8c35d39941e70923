"""A client whose daemon has gone away leaves no socket open behind it: an unclosed socket
would be reported later, by the garbage collector, in whatever code runs then."""

from __future__ import annotations

import gc
import socket
import threading
import warnings
from pathlib import Path

import httpx
import pytest

from entente_daemon.client.unix_transport import unix_transport


def test_a_failed_connect_closes_its_socket(tmp_path: Path) -> None:
    path = tmp_path / "gone.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.close()  # the path stays, nobody listens: connecting is refused
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with httpx.Client(transport=unix_transport(str(path)), base_url="http://daemon") as http:
            for _ in range(3):
                with pytest.raises(httpx.ConnectError):
                    http.get("/v1/health")
        gc.collect()
    unclosed = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []


def test_it_still_talks_to_a_listener(tmp_path: Path) -> None:
    path = tmp_path / "live.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)
        with httpx.Client(
            transport=unix_transport(str(path)), base_url="http://daemon", timeout=5
        ) as http:

            def answer() -> None:
                conn, _ = server.accept()
                with conn:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")

            thread = threading.Thread(target=answer)
            thread.start()
            response = http.get("/v1/health")
            thread.join(timeout=5)
    assert (response.status_code, response.text) == (200, "ok")
