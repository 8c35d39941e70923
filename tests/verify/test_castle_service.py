"""The castle-service example provider, served for real on 127.0.0.1, and `compare` between
the spec's example responses (standing in for recordings) and what it really answers: the
good build honours every example, each broken variant breaks exactly one thing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from entente_daemon.compare import compare
from entente_daemon.model import HttpResponse
from entente_daemon.openapi import Spec, load_spec

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "examples" / "castle-service"
VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
MONT = "9b1d4e72-5c3a-4f08-b6e1-2a7c8d9f0e13"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SERVICE / "openapi.yaml")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m castle_service --port N`` as a user runs it; its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "ENTENTE_HOME"}
    env["ENTENTE_HOME"] = str(tmp_path_factory.mktemp("home"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SERVICE), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "castle_service", "--port", str(port)],
        cwd=SERVICE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not accepts(port):
            # Waiting on the process to exit doubles as the pause between attempts.
            try:
                process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
            else:
                out = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"castle-service exited early:\n{out}")
            assert time.monotonic() < deadline, "castle-service did not start listening"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def castle_service(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The example package, importable in this process."""
    monkeypatch.setenv("ENTENTE_HOME", str(tmp_path / "home"))
    monkeypatch.syspath_prepend(str(SERVICE))
    import castle_service  # type: ignore[import-not-found]  # examples/castle-service

    return castle_service


class ThreadServer:
    """An ASGI app served by uvicorn in a thread, on a port the OS picks."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", ws="none"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started:
            self.thread.join(timeout=0.01)  # returns at once if the server died
            assert self.thread.is_alive(), "uvicorn stopped before it started"
            assert time.monotonic() < deadline, "uvicorn did not start"
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=START_TIMEOUT)
        assert not self.thread.is_alive()


def as_response(answer: httpx.Response) -> HttpResponse:
    """An httpx answer as the verifier keeps it: JSON parsed, other text as text."""
    content_type = answer.headers.get("content-type", "")
    body: Any = None
    if answer.content:
        body = answer.json() if "json" in content_type else answer.text
    return HttpResponse(status=answer.status_code, headers=dict(answer.headers), body=body)


def example(spec: Spec, operation_id: str, status: int, name: str | None) -> HttpResponse:
    """A spec example as if a consumer had recorded it (no body: status only)."""
    operation = spec.operation(operation_id)
    assert operation is not None
    if name is None:
        return HttpResponse(status=status)
    media = operation.responses[str(status)].content["application/json"]
    return HttpResponse(
        status=status,
        headers={"content-type": "application/json"},
        body=media.examples[name].value,
    )


def check(
    spec: Spec, operation_id: str, status: int, name: str | None, answer: httpx.Response
) -> list[tuple[str, str | None]]:
    operation = spec.operation(operation_id)
    assert operation is not None
    got = compare(spec, operation, example(spec, operation_id, status, name), as_response(answer))
    return sorted((m.kind.value, m.path) for m in got)


# -- the good build, as a subprocess ----------------------------------------------------


def test_list_and_filter(served: str, spec: Spec) -> None:
    with httpx.Client(base_url=served) as client:
        everything = client.get("/castles")
        normandy = client.get("/castles", params={"region": "Normandie"})
        nowhere = client.get("/castles", params={"region": "Bretagne"})
    assert everything.status_code == 200
    assert everything.headers["content-type"].startswith("application/json")
    assert {VERSAILLES, MONT} <= {c["id"] for c in everything.json()}
    assert [c["id"] for c in normandy.json()] == [MONT]
    assert nowhere.json() == []
    assert check(spec, "listCastles", 200, "twoCastles", everything) == []
    assert check(spec, "listCastles", 200, "noneInRegion", nowhere) == []


def test_get(served: str, spec: Spec) -> None:
    with httpx.Client(base_url=served) as client:
        found = client.get(f"/castles/{VERSAILLES}")
        mont = client.get(f"/castles/{MONT}")
        missing = client.get(f"/castles/{UNKNOWN}")
    assert found.json()["name"] == "Château de Versailles"
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert check(spec, "getCastle", 200, "versailles", found) == []
    assert check(spec, "getCastle", 200, "montSaintMichel", mont) == []
    assert check(spec, "getCastle", 404, "notFound", missing) == []
    # Mont Saint-Michel has no description: a consumer that saw Versailles's would break.
    assert check(spec, "getCastle", 200, "versailles", mont) == [
        ("structure_mismatch", "$.description")
    ]


def test_create_then_delete(served: str, spec: Spec) -> None:
    chambord = {
        "name": "Château de Chambord",
        "region": "Centre-Val de Loire",
        "yearBuilt": 1519,
        "description": "Renaissance château built for Francis I.",
    }
    with httpx.Client(base_url=served) as client:
        created = client.post("/castles", json=chambord)
        new_id = created.json()["id"]
        fetched = client.get(f"/castles/{new_id}")
        deleted = client.delete(f"/castles/{new_id}")
        again = client.delete(f"/castles/{new_id}")
        after = client.get(f"/castles/{new_id}")
    assert created.status_code == 201
    assert created.json() == {"id": new_id, **chambord}
    assert fetched.json() == created.json()
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (again.status_code, after.status_code) == (404, 404)
    assert check(spec, "createCastle", 201, "chambord", created) == []
    assert check(spec, "deleteCastle", 204, None, deleted) == []
    assert check(spec, "deleteCastle", 404, "notFound", again) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "Old", "region": "Nowhere", "yearBuilt": 900}, "between 1000 and 2100"),
        ({"region": "Nowhere", "yearBuilt": 1500}, "name"),
        ({"name": "X", "region": "Nowhere", "yearBuilt": "1500"}, "yearBuilt"),
        ({"name": "X", "region": "R", "yearBuilt": 1500, "description": 3}, "description"),
        ([1, 2], "JSON object"),
    ],
)
def test_invalid_create(served: str, spec: Spec, body: Any, message: str) -> None:
    with httpx.Client(base_url=served) as client:
        answer = client.post("/castles", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_castle"
    assert message in answer.json()["message"]
    assert check(spec, "createCastle", 400, "yearOutOfRange", answer) == []


def test_not_json_is_a_400(served: str) -> None:
    with httpx.Client(base_url=served) as client:
        answer = client.post("/castles", content=b"{not json")
    assert answer.status_code == 400
    assert answer.json()["message"] == "the body is not JSON"


def test_unknown_routes_and_methods(served: str) -> None:
    with httpx.Client(base_url=served) as client:
        nowhere = client.get("/dungeons")
        patch = client.patch(f"/castles/{VERSAILLES}", json={})
        put = client.put("/castles", json={})
    assert nowhere.status_code == 404
    assert nowhere.json()["error"] == "not_found"
    assert (patch.status_code, patch.headers["allow"]) == (405, "GET, DELETE")
    assert (put.status_code, put.headers["allow"]) == (405, "GET, POST")


# -- state handlers and broken variants, in process --------------------------------------


def test_state_handlers_in_process(castle_service: Any, spec: Spec) -> None:
    castle_service.reset([])
    try:
        with ThreadServer(castle_service.app) as url, httpx.Client(base_url=url) as client:
            empty = client.get("/castles")
            added = castle_service.add_castle(
                "Château de Chenonceau", "Centre-Val de Loire", 1514, castle_id=VERSAILLES
            )
            fetched = client.get(f"/castles/{VERSAILLES}")
    finally:
        castle_service.reset()
    assert empty.json() == []
    assert fetched.json() == added
    # The consumer saw a description; this state's castle has none.
    assert check(spec, "getCastle", 200, "versailles", fetched) == [
        ("structure_mismatch", "$.description")
    ]
    assert len(castle_service.app.store.castles) == 2  # reset() brought the seed back


def test_unknown_variant_is_refused(castle_service: Any) -> None:
    with pytest.raises(ValueError, match="unknown castle-service variant 'nope'"):
        castle_service.create_app("nope")


@pytest.mark.parametrize(
    ("variant", "get_expected", "list_expected"),
    [
        (None, [], []),
        (
            "field-removed",
            [("schema_mismatch", "$.region"), ("structure_mismatch", "$.region")],
            [
                ("schema_mismatch", "$[0].region"),
                ("schema_mismatch", "$[1].region"),
                ("structure_mismatch", "$[*].region"),
            ],
        ),
        (
            "optional-field-removed",
            [("structure_mismatch", "$.description")],
            [("structure_mismatch", "$[*].description")],
        ),
        (
            "type-changed",
            [("schema_mismatch", "$.yearBuilt"), ("structure_mismatch", "$.yearBuilt")],
            [
                ("schema_mismatch", "$[0].yearBuilt"),
                ("schema_mismatch", "$[1].yearBuilt"),
                ("structure_mismatch", "$[*].yearBuilt"),
            ],
        ),
        ("wrong-status", [("status_mismatch", None)], []),
        ("wrong-content-type", [("content_mismatch", None)], [("content_mismatch", None)]),
    ],
)
def test_variants(
    castle_service: Any,
    spec: Spec,
    variant: str | None,
    get_expected: list[Any],
    list_expected: list[Any],
) -> None:
    with (
        ThreadServer(castle_service.create_app(variant)) as url,
        httpx.Client(base_url=url) as client,
    ):
        got = client.get(f"/castles/{VERSAILLES}")
        listed = client.get("/castles")
    assert check(spec, "getCastle", 200, "versailles", got) == get_expected
    assert check(spec, "listCastles", 200, "twoCastles", listed) == list_expected


def test_variant_as_subprocess_flag() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "castle_service", "--help"],
        cwd=SERVICE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "wrong-content-type" in done.stdout


def test_the_service_says_where_it_listens(tmp_path: Path) -> None:
    """``python -m castle_service`` prints its URL once it listens (``--port 0``: the port
    it got), and that URL answers."""
    from tests.mock.serving import Lines

    env = {k: v for k, v in os.environ.items() if k != "ENTENTE_HOME"}
    env["ENTENTE_HOME"] = str(tmp_path / "home")
    process = subprocess.Popen(
        [sys.executable, "-m", "castle_service", "--port", "0"],
        cwd=SERVICE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines = Lines(process.stdout)
    try:
        line = lines.wait_for("listening on", START_TIMEOUT)
        url = line.split("listening on ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        assert not url.endswith(":0")
        assert httpx.get(f"{url}/castles", timeout=30).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
        lines.join()
        process.stdout.close()
