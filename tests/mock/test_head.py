"""``HEAD`` on a route that documents only ``GET``: answered as the ``GET`` without its body
(status and headers, ``Content-Length`` of the body a ``GET`` gets), on both of the mock's
servers (Entente's own HTTP/1.1 server and uvicorn), and not recorded (the ``GET`` is)."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.messages import MockRequest
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.uvicorn_server import SERVER_ENV, MockServer
from entente_daemon.openapi import Spec, load_spec
from entente_daemon.record.capture import InteractionCapture
from entente_daemon.record.sinks import MemorySink

from .serving import CASTLE, VERSAILLES

PATH = f"/castles/{VERSAILLES}"


@pytest.fixture(scope="module")
def castle() -> Spec:
    return load_spec(CASTLE)


def ask(port: int, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """One request with http.client, which knows that a ``HEAD`` answer has no body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers={"Accept": "application/json"})
        answer = connection.getresponse()
        body = answer.read()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body
    finally:
        connection.close()


@pytest.mark.parametrize("server_kind", ["direct", "uvicorn"])
def test_head_is_answered_as_get_without_a_body_and_not_recorded(
    home: Path, castle: Spec, monkeypatch: pytest.MonkeyPatch, server_kind: str
) -> None:
    if server_kind == "uvicorn":
        monkeypatch.setenv(SERVER_ENV, "uvicorn")
    else:
        monkeypatch.delenv(SERVER_ENV, raising=False)
    sink = MemorySink()
    capture = InteractionCapture(
        "castle-web", "1.0.0", "castle-service", "1.0.0", "local", sink, flush_interval=0.05
    )
    server = MockServer(MockApp(MockEngine(castle), recorder=capture)).start()
    try:
        assert (server._direct is None) == (server_kind == "uvicorn")
        get_status, get_headers, get_body = ask(server.port, "GET", PATH)
        status, headers, body = ask(server.port, "HEAD", PATH)
        missing, _, _ = ask(server.port, "HEAD", "/no-such-path")
    finally:
        server.stop()
    assert get_status == 200
    assert get_body
    assert status == 200
    assert body == b""
    assert headers["content-length"] == str(len(get_body))
    assert headers["content-type"] == get_headers["content-type"]
    assert headers["x-entente-operation"] == "getCastle"
    assert missing == 404
    recorded = sorted((i.request.method, i.request.path) for i in sink.interactions())
    assert recorded == [("GET", PATH), ("HEAD", "/no-such-path")]  # the 404 is the HEAD's own


ONLY_POST = """\
openapi: 3.0.3
info: {title: Only post, version: 1.0.0}
paths:
  /things:
    post:
      operationId: makeThing
      responses:
        "201": {description: made}
"""


def test_head_where_no_get_is_documented_is_still_405(castle: Spec, tmp_path: Path) -> None:
    """Only a ``GET`` lends its answer: on ``/castles`` (GET and POST) a HEAD is the GET's
    answer; on a path with only POST it keeps its 405 naming the allowed methods."""
    listed = MockEngine(castle).handle(MockRequest("HEAD", "/castles"))
    assert listed.response.status == 200
    assert listed.answered_as == "GET"
    spec_file = tmp_path / "only-post.yaml"
    spec_file.write_text(ONLY_POST)
    refused = MockEngine(load_spec(spec_file)).handle(MockRequest("HEAD", "/things"))
    assert refused.response.status == 405
    assert refused.response.header("allow") == "POST"
    assert refused.answered_as is None
