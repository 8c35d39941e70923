"""An operation that documents no response (real public specs have them): a valid request
is answered ``204`` with ``X-Entente-Note``, an invalid one gets its ``400`` first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.messages import MockRequest
from entente_daemon.openapi import Spec, load_spec

SPEC = Path(__file__).resolve().parents[1] / "conformance" / "specs" / "real-spec-gaps.yaml"


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(SPEC)


def fire(hook: str, body: object) -> MockRequest:
    headers = (("content-type", "application/json"),)
    return MockRequest("POST", f"/hooks/{hook}", "", headers, json.dumps(body).encode())


def test_a_valid_request_gets_204_and_a_note(spec: Spec) -> None:
    result = MockEngine(spec).handle(fire("7", {"event": "created"}))
    assert result.response.status == 204
    assert result.response.body == b""
    assert result.response.header("x-entente-note") == "no response documented"
    assert result.response.header("x-entente-operation") == "fireHook"
    assert result.match.source == "generated"
    assert "fireHook documents no response: 204, empty" in result.match.reasons


@pytest.mark.parametrize(
    ("hook", "body", "where"),
    [
        ("7", {"event": "exploded"}, "body"),  # not in the enum
        ("7", {}, "body"),  # required property missing
        ("0", {"event": "created"}, "path"),  # below the minimum
    ],
)
def test_an_invalid_request_gets_its_400_first(
    spec: Spec, hook: str, body: object, where: str
) -> None:
    result = MockEngine(spec).handle(fire(hook, body))
    assert result.response.status == 400
    problem = json.loads(result.response.body)
    assert problem["type"].endswith("/invalid-request")
    assert [v["location"] for v in problem["violations"]] == [where]
    assert result.response.header("x-entente-note") is None
