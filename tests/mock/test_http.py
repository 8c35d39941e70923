"""The mock over real HTTP on 127.0.0.1: `MockServer` in this process and ``entente mock`` as
a subprocess, called with httpx and with curl. Every answer source and every refusal."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.uvicorn_server import MockServer, ServeError
from entente_daemon.model import (
    Fixture,
    FixtureSource,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
)
from entente_daemon.openapi import load_spec
from entente_daemon.store import Store

from .serving import CASTLE, CURL, ROOT, VERSAILLES, Answer, MockProcess, curl, entente_env

CHAMBORD_ID = "c4a8e2f1-7b6d-4e3a-8f5c-1d2e3f4a5b6c"
CHAMBORD = {
    "id": CHAMBORD_ID,
    "name": "Château de Chambord",
    "region": "Centre-Val de Loire",
    "yearBuilt": 1519,
}
PROBLEM = "application/problem+json"


def chambord_fixture() -> Fixture:
    return Fixture(
        provider="castle-service",
        provider_versions=["1.0.0"],
        operation_id="getCastle",
        status=FixtureStatus.APPROVED,
        source=FixtureSource.PROVIDER,
        request=HttpRequest(method="GET", path=f"/castles/{CHAMBORD_ID}"),
        response=HttpResponse(
            status=200, headers={"content-type": "application/json"}, body=CHAMBORD
        ),
    ).with_hash()


@pytest.fixture(scope="module")
def in_process() -> Iterator[str]:
    engine = MockEngine(load_spec(CASTLE), fixtures=(chambord_fixture(),))
    with MockServer(MockApp(engine)) as server:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        yield server.url


@pytest.fixture(scope="module")
def subprocess_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    home = tmp_path_factory.mktemp("home")
    with Store.open(home / "store") as store:  # the approved fixture the CLI must serve
        store.fixtures.add(chambord_fixture())
    mock = MockProcess.start(str(CASTLE), home=home, cwd=tmp_path_factory.mktemp("cwd"))
    try:
        yield mock
    finally:
        assert mock.stop() == 0, mock.stderr.text


Call = Callable[..., Answer]


def via_httpx(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    response = httpx.request(method, url, headers=headers, content=body, timeout=30)
    return Answer(response.status_code, dict(response.headers), response.content)


def via_curl(url: str, **kwargs: Any) -> Answer:
    if CURL is None:
        pytest.skip("curl is not installed")
    return curl(url, **kwargs)


@pytest.fixture(params=["in-process", "subprocess"])
def base_url(request: pytest.FixtureRequest) -> str:
    if request.param == "in-process":
        return str(request.getfixturevalue("in_process"))
    mock: MockProcess = request.getfixturevalue("subprocess_mock")
    return mock.url


@pytest.fixture(params=["httpx", "curl"])
def call(request: pytest.FixtureRequest) -> Call:
    return via_httpx if request.param == "httpx" else via_curl


def test_answers_from_the_example(base_url: str, call: Call) -> None:
    answer = call(f"{base_url}/castles")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-entente-source"] == "example"
    assert answer.headers["content-length"] == str(len(answer.body))
    assert [c["name"] for c in answer.json()] == ["Château de Versailles", "Mont Saint-Michel"]


def test_answers_with_generated_data_when_asked(base_url: str, call: Call) -> None:
    answer = call(f"{base_url}/castles/{VERSAILLES}", headers={"Prefer": "dynamic=true"})
    assert answer.status == 200
    assert answer.headers["x-entente-source"] == "generated"
    castle = answer.json()
    assert {"id", "name", "region", "yearBuilt"} <= castle.keys()
    assert isinstance(castle["yearBuilt"], int)


def test_answers_from_an_approved_fixture(base_url: str, call: Call) -> None:
    answer = call(f"{base_url}/castles/{CHAMBORD_ID}")
    assert answer.status == 200
    assert answer.headers["x-entente-source"] == "fixture"
    assert answer.json() == CHAMBORD


def test_prefer_code(base_url: str, call: Call) -> None:
    answer = call(f"{base_url}/castles/{VERSAILLES}", headers={"Prefer": "code=404"})
    assert answer.status == 404
    assert answer.json()["error"] == "not_found"


def test_an_invalid_request_is_a_400_listing_each_violation(base_url: str, call: Call) -> None:
    answer = call(
        f"{base_url}/castles",
        method="POST",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"name": "", "yearBuilt": 900}).encode(),
    )
    assert answer.status == 400
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["status"] == 400
    names = {violation["name"] for violation in problem["violations"]}
    assert {"/name", "/region", "/yearBuilt"} <= names


def test_an_unknown_path_is_a_404(base_url: str, call: Call) -> None:
    answer = call(f"{base_url}/dungeons")
    assert answer.status == 404
    assert answer.headers["content-type"] == PROBLEM
    assert "/castles" in answer.json()["detail"]


def test_an_undocumented_method_is_a_405_with_allow(base_url: str, call: Call) -> None:
    answer = call(f"{base_url}/castles", method="PUT")
    assert answer.status == 405
    assert answer.headers["allow"] == "GET, POST"


def test_an_unsupported_media_type_is_a_415(base_url: str, call: Call) -> None:
    answer = call(
        f"{base_url}/castles",
        method="POST",
        headers={"Content-Type": "text/plain"},
        body=b"Chambord",
    )
    assert answer.status == 415
    assert answer.headers["content-type"] == PROBLEM


def test_an_unacceptable_accept_is_a_406(base_url: str, call: Call) -> None:
    answer = call(f"{base_url}/castles", headers={"Accept": "application/xml"})
    assert answer.status == 406
    assert answer.headers["content-type"] == PROBLEM


def test_a_no_content_answer_has_no_body(base_url: str, call: Call) -> None:
    answer = call(f"{base_url}/castles/{VERSAILLES}", method="DELETE")
    assert answer.status == 204
    assert answer.body == b""
    assert "content-length" not in answer.headers


def test_the_cli_prints_its_operations_and_one_line_per_request(
    subprocess_mock: MockProcess,
) -> None:
    url = subprocess_mock.url
    banner = subprocess_mock.stdout.text
    assert f"Castle Service 1.0.0 (OpenAPI 3.0, 4 operations) on {url}" in banner
    rows = [line.split() for line in subprocess_mock.stdout.lines]
    for row in (
        ["GET", f"{url}/castles", "listCastles"],
        ["POST", f"{url}/castles", "createCastle"],
        ["GET", f"{url}/castles/{{id}}", "getCastle"],
        ["DELETE", f"{url}/castles/{{id}}", "deleteCastle"],
    ):
        assert row in rows
    assert "1 approved fixture(s)" in banner
    assert "Recording: off" in banner
    httpx.get(f"{subprocess_mock.url}/castles?region=Normandie", timeout=30)
    line = subprocess_mock.stderr.wait_for("GET /castles?region=Normandie ")
    assert line.split()[2:5] == ["200", "example", "listCastles"]
    assert line.endswith("ms")


def test_remote_hosts_are_refused_unless_allowed() -> None:
    with pytest.raises(ServeError, match="--allow-remote"):
        MockServer(MockApp(MockEngine(load_spec(CASTLE))), host="0.0.0.0")


def test_a_taken_port_is_one_clear_error(in_process: str, tmp_path: Path) -> None:
    port = httpx.URL(in_process).port
    assert port is not None
    mock = MockServer(MockApp(MockEngine(load_spec(CASTLE))), port=port)
    with pytest.raises(ServeError, match=f"port {port} on 127.0.0.1 is already in use"):
        mock.start()


def run_cli(*args: str, home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entente_daemon.cli", "mock", *args],
        cwd=cwd,
        env=entente_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_broken_spec_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    broken = ROOT / "tests" / "specs" / "broken" / "half-typed.yaml"
    done = run_cli(str(broken), "--port", "0", home=tmp_path / "home", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert re.search(r"half-typed\.yaml:\d+", line), line


def test_the_cli_refuses_a_remote_host(tmp_path: Path) -> None:
    done = run_cli(str(CASTLE), "--host", "0.0.0.0", home=tmp_path / "home", cwd=tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "refusing to listen on 0.0.0.0" in line
    assert "--allow-remote" in line
