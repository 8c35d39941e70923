"""What the engine makes once and reuses: a repeated request is answered exactly as the
first time (reasons, headers, body), with the very same response object for answers from
the spec, while fixtures, ``Prefer`` and ``Accept`` still change the answer at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.messages import MockRequest, MockResponse
from entente_daemon.model import Fixture, FixtureStatus, HttpRequest, HttpResponse
from entente_daemon.openapi import Spec, load_spec

CASTLE = Path(__file__).resolve().parents[2] / "examples" / "castle-service" / "openapi.yaml"
VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
JSON = (("accept", "application/json"),)


@pytest.fixture(scope="module")
def castle() -> Spec:
    return load_spec(CASTLE)


def get(path: str, *headers: tuple[str, str]) -> MockRequest:
    return MockRequest("GET", path, "", JSON + headers)


def fixture() -> Fixture:
    return Fixture(
        provider="castle-service",
        operation_id="getCastle",
        status=FixtureStatus.APPROVED,
        request=HttpRequest(method="GET", path=f"/castles/{VERSAILLES}"),
        response=HttpResponse(
            status=200,
            headers={"Content-Type": "application/json"},
            body={"id": VERSAILLES, "name": "Fixture", "region": "Here", "yearBuilt": 1700},
        ),
        approved_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "extra",
    [(), (("prefer", "dynamic=true"),), (("prefer", "code=404"),)],
    ids=["example", "generated", "prefer-code"],
)
def test_a_repeated_request_gets_the_same_answer_and_response_object(
    castle: Spec, extra: tuple[tuple[str, str], ...]
) -> None:
    engine = MockEngine(castle)
    first = engine.handle(get(f"/castles/{VERSAILLES}", *extra))
    again = engine.handle(get(f"/castles/{VERSAILLES}", *extra))
    assert again.response is first.response
    assert again.match == first.match
    assert again.match.reasons is not first.match.reasons  # each result has its own
    fresh = MockEngine(castle).handle(get(f"/castles/{VERSAILLES}", *extra))
    assert fresh.response == first.response
    assert fresh.match == first.match


def test_another_id_gets_its_own_path_params_from_the_same_response(castle: Spec) -> None:
    engine = MockEngine(castle)
    one = engine.handle(get(f"/castles/{VERSAILLES}"))
    other_id = "9b1d4e72-5c3a-4f08-b6e1-2a7c8d9f0e13"
    other = engine.handle(get(f"/castles/{other_id}"))
    assert other.response is one.response  # the example does not depend on the id
    assert one.match.path_params == {"id": VERSAILLES}
    assert other.match.path_params == {"id": other_id}


def test_generated_answers_differ_by_request(castle: Spec) -> None:
    engine = MockEngine(castle)
    dynamic = ("prefer", "dynamic=true")
    one = engine.handle(get(f"/castles/{VERSAILLES}", dynamic))
    other = engine.handle(get("/castles/9b1d4e72-5c3a-4f08-b6e1-2a7c8d9f0e13", dynamic))
    assert one.response.body != other.response.body
    assert one.response.header("preference-applied") == "dynamic=true"


def test_fixtures_still_change_the_answer_both_ways(castle: Spec) -> None:
    current: list[Fixture] = [fixture()]
    engine = MockEngine(castle, fixtures=lambda: tuple(current))
    assert engine.handle(get(f"/castles/{VERSAILLES}")).match.source == "fixture"
    current.clear()
    example = engine.handle(get(f"/castles/{VERSAILLES}"))
    assert example.match.source == "example"
    current.append(fixture())
    assert engine.handle(get(f"/castles/{VERSAILLES}")).match.source == "fixture"
    current.clear()
    assert engine.handle(get(f"/castles/{VERSAILLES}")).response is example.response


def test_accept_and_method_still_decide(castle: Spec) -> None:
    engine = MockEngine(castle)
    assert engine.handle(get(f"/castles/{VERSAILLES}")).response.status == 200
    refused = engine.handle(
        MockRequest("GET", f"/castles/{VERSAILLES}", "", (("accept", "text/csv"),))
    )
    assert refused.response.status == 406
    deleted = engine.handle(MockRequest("DELETE", f"/castles/{VERSAILLES}"))
    assert deleted.response.status == 204
    patched = engine.handle(MockRequest("PATCH", f"/castles/{VERSAILLES}"))
    assert patched.response.status == 405


def test_wire_headers() -> None:
    response = MockResponse(
        200,
        (
            ("Content-Type", "application/json"),
            ("content-length", "999"),
            ("transfer-encoding", "chunked"),
            ("x-name", "Château"),
            ("x-emoji", "🏰"),
        ),
        b"{}",
    )
    assert response.wire_headers == [
        (b"content-type", b"application/json"),
        (b"x-name", "Château".encode("latin-1")),
        (b"x-emoji", "🏰".encode()),
        (b"content-length", b"2"),
    ]
    assert response.wire_headers is response.wire_headers  # made once
    odd = MockResponse(200, (("x-fixture", "a\r\nx-injected: 1"), ("not a name", "x")), b"")
    assert odd.wire_headers == [(b"x-fixture", b"a x-injected: 1"), (b"content-length", b"0")]
    assert MockResponse(204, (("x-a", "b"),), b"").wire_headers == [(b"x-a", b"b")]
    assert not MockResponse(304).has_body
