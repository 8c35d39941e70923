"""Where recordings go: the store, a spool file when another process holds the store, the
broker when one is configured (with the key in a Bearer header, never in the store)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from entente_daemon.config import load_project_config
from entente_daemon.consumer import BrokerUploadError, EntenteClient, create_client, upload
from entente_daemon.consumer.upload import spool_dir
from entente_daemon.model import HttpRequest, HttpResponse, Interaction
from entente_daemon.store import Store

from .conftest import VERSAILLES, Received, TinyServer, write_project

HOLDER = """
import sys
from entente_daemon.store import Store
store = Store.open(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
store.close()
"""


def interaction(n: int) -> Interaction:
    return Interaction(
        consumer="castle-client",
        consumer_version="1.0.0",
        provider="castle-service",
        provider_version="1.0.0",
        operation_id="getCastle",
        request=HttpRequest(method="GET", path=f"/castles/{n}"),
        response=HttpResponse(status=200, body={"n": n}),
    ).with_hash()


@pytest.fixture
def held_store(home: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the store open for writing until the test releases it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home / "store")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the holder has the lock (or died)
    assert line.strip() == "holding", proc.stderr.read() if proc.stderr else ""
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def release(proc: subprocess.Popen[str]) -> None:
    """Let the holder close the store, and wait until it has."""
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def test_a_locked_store_sends_the_records_to_a_spool_then_they_are_imported(
    home: Path, held_store: subprocess.Popen[str]
) -> None:
    first = [interaction(1), interaction(2)]

    spooled = upload(first, lock_timeout=0.2)

    assert spooled.destination == "spool"
    assert spooled.spool_file is not None
    assert spooled.spool_file.parent == spool_dir()
    assert "kept them in" in spooled.messages[0]
    assert "the store is open for writing by process" in (spooled.messages[0])
    assert oct(spooled.spool_file.stat().st_mode & 0o777) == "0o600"

    release(held_store)
    stored = upload([interaction(3)])

    assert stored.destination == "store"
    assert "2 spooled record(s)" in stored.messages[0]
    assert list(spool_dir().iterdir()) == []
    with Store.open(readonly=True) as store:
        assert sorted(i.request.path for i in store.interactions.list()) == [
            "/castles/1",
            "/castles/2",
            "/castles/3",
        ]


def test_a_mock_closing_while_the_store_is_locked_keeps_its_recordings(
    project: Path, home: Path, held_store: subprocess.Popen[str]
) -> None:
    config = load_project_config(project)
    with EntenteClient(config, recording=True, lock_timeout=0.2) as client:
        mock = client.create_mock("castle-service")
        httpx.get(f"{mock.url}/castles/{VERSAILLES}")
        result = mock.close()

    assert result is not None
    assert result.destination == "spool"
    assert result.spool_file is not None
    lines = result.spool_file.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["record"]["operation_id"] for line in lines] == ["getCastle"]


# -- the broker ----------------------------------------------------------------------------


def broker_project(tmp_path: Path, url: str) -> Path:
    return write_project(tmp_path / "with-broker", f'[broker]\nurl = "{url}"\n')


def test_recordings_go_to_the_broker_with_the_key_as_bearer(
    tmp_path: Path,
    home: Path,
    tiny_server: Callable[..., TinyServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker = tiny_server(lambda got: (201, {"content-type": "application/json"}, b"{}"))
    monkeypatch.setenv("ENTENTE_API_KEY", "broker-key-123456")
    with create_client(broker_project(tmp_path, broker.url), recording=True) as client:
        mock = client.create_mock("castle-service")
        httpx.get(f"{mock.url}/castles", headers={"authorization": "Basic dXNlcjpwYXNz"})
        httpx.get(f"{mock.url}/castles/{VERSAILLES}")
        result = mock.close()

    assert result is not None
    assert result.broker_sent == 2
    assert result.broker_error is None
    [post] = broker.received
    assert (post.method, post.path) == ("POST", "/api/v1/interactions")
    assert post.headers["authorization"] == "Bearer broker-key-123456"
    sent = json.loads(post.body)["interactions"]
    assert sorted(i["operation_id"] for i in sent) == ["getCastle", "listCastles"]
    assert all(i["consumer"] == "castle-client" for i in sent)
    with Store.open(readonly=True) as store:
        kept = json.dumps([i.to_json() for i in store.interactions.list()])
    assert len(json.loads(kept)) == 2
    assert "broker-key-123456" not in kept
    assert "dXNlcjpwYXNz" not in kept
    assert "dXNlcjpwYXNz" not in post.body.decode()


def test_a_broker_failure_is_an_error_and_the_store_keeps_the_recordings(
    tmp_path: Path,
    home: Path,
    tiny_server: Callable[..., TinyServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(got: Received) -> tuple[int, dict[str, str], bytes]:
        return 503, {"content-type": "text/plain"}, b"down for maintenance"

    broker = tiny_server(refuse)
    monkeypatch.setenv("ENTENTE_API_KEY", "broker-key-123456")
    client = create_client(broker_project(tmp_path, broker.url), recording=True)
    mock = client.create_mock("castle-service")
    httpx.get(f"{mock.url}/castles")

    with pytest.raises(BrokerUploadError) as raised:
        mock.close()

    message = str(raised.value)
    assert f"{broker.url}/api/v1/interactions refused the interactions: HTTP 503" in message
    assert "kept in the local store" in message
    assert len(broker.received) == 1
    with Store.open(readonly=True) as store:
        assert [i.operation_id for i in store.interactions.list()] == ["listCastles"]
    client.close()  # the mock is closed already: nothing more to do


def test_a_broker_without_a_key_is_reported(
    tmp_path: Path, home: Path, tiny_server: Callable[..., TinyServer]
) -> None:
    broker = tiny_server(lambda got: (201, {}, b""))
    with create_client(broker_project(tmp_path, broker.url), recording=True) as client:
        mock = client.create_mock("castle-service")
        httpx.get(f"{mock.url}/castles")
        with pytest.raises(BrokerUploadError, match="ENTENTE_API_KEY is not set"):
            mock.close()

    assert broker.received == []
