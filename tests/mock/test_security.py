"""The mock refuses a request without the credentials its operation requires (401)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.messages import Headers, MockRequest
from entente_daemon.openapi import load_spec

SPEC = Path(__file__).resolve().parents[1] / "specs" / "mock" / "secured.yaml"


@pytest.fixture(scope="module")
def engine() -> MockEngine:
    return MockEngine(load_spec(SPEC))


def get(
    engine: MockEngine, path: str, query: str = "", headers: Headers = ()
) -> tuple[int, dict[str, Any]]:
    result = engine.handle(MockRequest("GET", path, query, headers))
    body = json.loads(result.response.body) if result.response.body else {}
    return result.response.status, body


@pytest.mark.parametrize(
    ("path", "query", "headers", "status"),
    [
        ("/open", "", (), 200),
        ("/optional", "", (), 200),
        ("/optional", "", (("x-api-key", "k"),), 200),
        ("/default", "", (), 401),
        ("/default", "", (("authorization", "Bearer t"),), 200),
        ("/default", "", (("authorization", "Basic dTpw"),), 401),
        ("/either", "key=k", (), 401),
        ("/either", "key=k", (("cookie", "session=s"),), 200),
        ("/either", "", (("authorization", "Basic dTpw"),), 200),
    ],
)
def test_credentials_presence(
    engine: MockEngine, path: str, query: str, headers: Headers, status: int
) -> None:
    assert get(engine, path, query, headers)[0] == status


def test_the_problem_names_what_to_send(engine: MockEngine) -> None:
    status, problem = get(engine, "/either")
    assert status == 401
    assert problem["title"] == "Credentials missing"
    [violation] = problem["violations"]
    assert violation["location"] == "security"
    assert (
        "the query 'key' (apiKeyQuery) and the cookie 'session' (apiKeyCookie)"
        in (violation["message"])
    )
    assert "'Authorization: Basic …' (basic)" in violation["message"]


def test_missing_credentials_come_before_other_problems(engine: MockEngine) -> None:
    request = MockRequest("POST", "/header", "", (("content-type", "application/json"),), b"{}")
    result = engine.handle(request)
    assert result.response.status == 401
    locations = {v["location"] for v in json.loads(result.response.body)["violations"]}
    assert locations == {"security", "body"}
