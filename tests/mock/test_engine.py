"""The answering engine, in process: each answer source, ``Prefer``, errors, negotiation,
self-validation, determinism, and the 3.1 and Swagger 2.0 shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.mock.answer.engine import MockEngine, MockOptions
from entente_daemon.mock.messages import MockRequest, MockResult
from entente_daemon.model import Fixture, FixtureSource, FixtureStatus, HttpRequest, HttpResponse
from entente_daemon.openapi import Spec, load_spec

ROOT = Path(__file__).resolve().parents[2]
CASTLE = ROOT / "examples" / "castle-service" / "openapi.yaml"
SPECS = ROOT / "tests" / "specs"
VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
OTHER_ID = "9b1d4e72-5c3a-4f08-b6e1-2a7c8d9f0e13"
CASTLE_BODY = {"id": VERSAILLES, "name": "Fixture castle", "region": "Here", "yearBuilt": 1700}


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTENTE_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def castle() -> Spec:
    return load_spec(CASTLE)


@pytest.fixture(scope="module")
def answers() -> Spec:
    return load_spec(SPECS / "mock" / "answers.yaml")


def request(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: Sequence[tuple[str, str]] = (),
    json_body: Any = None,
    body: bytes = b"",
) -> MockRequest:
    all_headers = [(k.lower(), v) for k, v in headers]
    if json_body is not None:
        body = json.dumps(json_body).encode()
        all_headers.append(("content-type", "application/json"))
    return MockRequest(method, path, query, tuple(all_headers), body)


def body_of(result: MockResult) -> Any:
    return json.loads(result.response.body)


def fixture(
    *,
    operation_id: str = "getCastle",
    path: str = f"/castles/{VERSAILLES}",
    status: int = 200,
    body: Any = None,
    fixture_status: FixtureStatus = FixtureStatus.APPROVED,
    **fields: Any,
) -> Fixture:
    response_body = body if body is not None else CASTLE_BODY
    return Fixture(
        provider="castle-service",
        operation_id=operation_id,
        status=fixture_status,
        request=HttpRequest(method="GET", path=path),
        response=HttpResponse(
            status=status, headers={"Content-Type": "application/json"}, body=response_body
        ),
        approved_at=datetime(2024, 1, 1, tzinfo=UTC),
        **fields,
    )


# -- answer sources -------------------------------------------------------------------------


def test_example_answer_with_debug_headers(castle: Spec) -> None:
    result = MockEngine(castle).handle(request("GET", f"/castles/{VERSAILLES}"))
    response = result.response
    assert response.status == 200
    assert response.header("content-type") == "application/json"
    assert response.header("x-entente-source") == "example"
    assert response.header("x-entente-operation") == "getCastle"
    assert response.header("x-entente-validation") is None
    assert body_of(result)["name"] == "Château de Versailles"
    assert result.response_body == body_of(result)
    assert result.operation_id == "getCastle"
    match = result.match
    assert (match.source, match.example_name, match.operation_id) == (
        "example",
        "versailles",
        "getCastle",
    )
    assert match.path_template == "/castles/{id}"
    assert match.path_params == {"id": VERSAILLES}
    assert "matched GET /castles/{id} (getCastle)" in match.reasons
    assert "used example 'versailles' of 200 application/json" in match.reasons
    assert match.validation_errors == []


def test_fixture_answer_wins_over_example(castle: Spec) -> None:
    chosen = fixture(provider_state="a castle exists")
    engine = MockEngine(castle, fixtures=[chosen])
    result = engine.handle(request("GET", f"/castles/{VERSAILLES}"))
    assert result.response.status == 200
    assert result.response.header("x-entente-source") == "fixture"
    assert body_of(result)["name"] == "Fixture castle"
    assert result.match.source == "fixture"
    assert result.match.fixture_id == chosen.id
    assert result.provider_state == "a castle exists"
    assert any(r.startswith(f"fixture {chosen.id[:8]}… scored") for r in result.match.reasons)
    # another id: the fixture pins the path, so the example answers
    other = engine.handle(request("GET", f"/castles/{OTHER_ID}"))
    assert other.response.header("x-entente-source") == "example"
    assert any("not a candidate" in r for r in other.match.reasons)
    assert "no fixture matched" in other.match.reasons


def test_the_best_fixture_answers(castle: Spec) -> None:
    generic = fixture(
        path="/castles/{id}", source=FixtureSource.PROVIDER, body={**CASTLE_BODY, "name": "Any"}
    )
    pinned = fixture(body={**CASTLE_BODY, "name": "Pinned"})
    engine = MockEngine(castle, fixtures=(generic, pinned))
    assert body_of(engine.handle(request("GET", f"/castles/{VERSAILLES}")))["name"] == "Pinned"
    assert body_of(engine.handle(request("GET", f"/castles/{OTHER_ID}")))["name"] == "Any"


def test_fixture_with_its_own_status_wins(castle: Spec) -> None:
    gone = fixture(status=404, body={"error": "not_found", "message": "gone"})
    result = MockEngine(castle, fixtures=[gone]).handle(request("GET", f"/castles/{VERSAILLES}"))
    assert result.response.status == 404
    assert body_of(result) == {"error": "not_found", "message": "gone"}


def test_only_approved_fixtures_answer(castle: Spec) -> None:
    drafts = [fixture(fixture_status=s) for s in (FixtureStatus.DRAFT, FixtureStatus.REJECTED)]
    result = MockEngine(castle, fixtures=drafts).handle(request("GET", f"/castles/{VERSAILLES}"))
    assert result.match.source == "example"


def test_fixtures_callable_is_asked_on_each_request(castle: Spec) -> None:
    current: list[Fixture] = []
    calls: list[int] = []

    def supply() -> tuple[Fixture, ...]:
        calls.append(1)
        return tuple(current)

    engine = MockEngine(castle, fixtures=supply)
    assert engine.handle(request("GET", f"/castles/{VERSAILLES}")).match.source == "example"
    current.append(fixture())
    assert engine.handle(request("GET", f"/castles/{VERSAILLES}")).match.source == "fixture"
    assert len(calls) == 2


def test_generated_answer_is_valid_and_deterministic(answers: Spec) -> None:
    engine = MockEngine(answers)
    first = engine.handle(request("GET", "/api/gauges/a"))
    assert first.response.status == 200
    assert first.match.source == "generated"
    assert first.response.header("x-entente-source") == "generated"
    value = body_of(first)
    schema = answers.operation("getGauge").responses["200"].content["application/json"].schema  # type: ignore[union-attr]
    assert list(answers.validator_for(schema, direction="response").iter_errors(value)) == []
    # the same request, even to another engine, gets the same bytes
    again = MockEngine(load_spec(SPECS / "mock" / "answers.yaml")).handle(
        request("GET", "/api/gauges/a")
    )
    assert again.response.body == first.response.body
    others = {engine.handle(request("GET", f"/api/gauges/{n}")).response.body for n in "bcdef"}
    assert len(others | {first.response.body}) > 1


def test_use_examples_off_generates(castle: Spec) -> None:
    engine = MockEngine(castle, options=MockOptions(use_examples=False))
    result = engine.handle(request("GET", f"/castles/{VERSAILLES}"))
    assert result.match.source == "generated"
    assert set(body_of(result)) >= {"id", "name", "region", "yearBuilt"}


def test_use_fixtures_off_ignores_fixtures(castle: Spec) -> None:
    engine = MockEngine(castle, fixtures=[fixture()], options=MockOptions(use_fixtures=False))
    assert engine.handle(request("GET", f"/castles/{VERSAILLES}")).match.source == "example"


def test_schema_example_and_external_value(answers: Spec) -> None:
    engine = MockEngine(answers)
    result = engine.handle(request("GET", "/api/schema-example"))
    assert body_of(result) == {"name": "from-the-schema"}
    assert "used the schema's example of 200 application/json" in result.match.reasons
    external = engine.handle(request("GET", "/api/external"))
    assert body_of(external) == {"ok": True}
    assert external.match.example_name == "inline"


def test_no_content_gives_empty_body(castle: Spec) -> None:
    result = MockEngine(castle).handle(request("DELETE", f"/castles/{VERSAILLES}"))
    assert result.response.status == 204
    assert result.response.body == b""
    assert result.response.header("content-type") is None
    assert result.response_body is None


def test_required_response_headers_are_generated(answers: Spec) -> None:
    result = MockEngine(answers).handle(request("GET", "/api/reports/1"))
    assert result.response.header("x-request-id") == "req-1"
    rate = result.response.header("x-rate-limit")
    assert rate is not None
    assert 1 <= int(rate) <= 100
    assert result.response.header("x-optional") is None


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/only-default", 200), ("/api/no-success", 404)],
)
def test_status_without_a_2xx(answers: Spec, path: str, status: int) -> None:
    assert MockEngine(answers).handle(request("GET", path)).response.status == status


def test_operation_without_responses_answers_204_with_a_note(answers: Spec) -> None:
    result = MockEngine(answers).handle(request("GET", "/api/silent"))
    assert result.response.status == 204
    assert result.response.body == b""
    assert result.response.header("x-entente-note") == "no response documented"
    assert "getSilent documents no response: 204, empty" in result.match.reasons


# -- Prefer ---------------------------------------------------------------------------------


def test_prefer_code_picks_the_documented_status(castle: Spec) -> None:
    result = MockEngine(castle).handle(
        request("GET", f"/castles/{VERSAILLES}", headers=[("Prefer", "code=404")])
    )
    assert result.response.status == 404
    assert body_of(result)["error"] == "not_found"
    assert result.response.header("preference-applied") == "code=404"
    assert "status 404 from Prefer: code=404" in result.match.reasons


def test_prefer_undocumented_code_is_a_400(castle: Spec) -> None:
    result = MockEngine(castle).handle(
        request("GET", f"/castles/{VERSAILLES}", headers=[("Prefer", "code=418")])
    )
    assert result.response.status == 400
    assert result.response.header("content-type") == "application/problem+json"
    problem = body_of(result)
    assert problem["detail"] == (
        "Prefer: code=418 is not documented for getCastle; documented: 200, 404"
    )
    assert problem["type"] == "https://entente.dev/problems/invalid-prefer"
    assert result.match.source == "error"


@pytest.mark.parametrize(
    ("prefer", "status", "name"),
    [
        ("example=montSaintMichel", 200, "Mont Saint-Michel"),
        ("example=notFound", 404, None),
        ('code=404, example="notFound"', 404, None),
    ],
)
def test_prefer_example(castle: Spec, prefer: str, status: int, name: str | None) -> None:
    engine = MockEngine(castle, fixtures=[fixture()])
    result = engine.handle(request("GET", f"/castles/{VERSAILLES}", headers=[("Prefer", prefer)]))
    assert result.response.status == status
    assert result.match.source == "example"  # an example asked for bypasses fixtures
    if name:
        assert body_of(result)["name"] == name
    else:
        assert body_of(result)["error"] == "not_found"
    assert "example=" in (result.response.header("preference-applied") or "")


def test_prefer_unknown_example_lists_the_names(castle: Spec) -> None:
    result = MockEngine(castle).handle(
        request("GET", f"/castles/{VERSAILLES}", headers=[("Prefer", "example=windsor")])
    )
    assert result.response.status == 400
    detail = body_of(result)["detail"]
    assert "Prefer: example=windsor is not an example of getCastle" in detail
    assert "200 application/json: versailles, montSaintMichel" in detail
    assert "404 application/json: notFound" in detail


def test_prefer_dynamic_generates_even_with_fixtures(castle: Spec) -> None:
    engine = MockEngine(castle, fixtures=[fixture()])
    result = engine.handle(
        request("GET", f"/castles/{VERSAILLES}", headers=[("Prefer", "dynamic=true")])
    )
    assert result.match.source == "generated"
    assert result.response.header("preference-applied") == "dynamic=true"
    assert body_of(result)["name"] not in ("Fixture castle", "Château de Versailles")


@pytest.mark.parametrize("prefer", ["code=abc", "dynamic=maybe", "example=a, dynamic=true"])
def test_unusable_prefer_is_a_400(castle: Spec, prefer: str) -> None:
    result = MockEngine(castle).handle(
        request("GET", f"/castles/{VERSAILLES}", headers=[("Prefer", prefer)])
    )
    assert result.response.status == 400
    assert body_of(result)["detail"].startswith("Prefer:")


def test_prefer_code_skips_fixtures_of_another_status(castle: Spec) -> None:
    engine = MockEngine(castle, fixtures=[fixture()])
    result = engine.handle(
        request("GET", f"/castles/{VERSAILLES}", headers=[("Prefer", "code=404")])
    )
    assert result.response.status == 404
    assert result.match.source == "example"
    assert any("skipped: status 200, not 404" in r for r in result.match.reasons)


# -- errors ---------------------------------------------------------------------------------


def test_unknown_path_is_a_404_problem(castle: Spec) -> None:
    result = MockEngine(castle).handle(request("GET", "/dragons"))
    assert result.response.status == 404
    problem = body_of(result)
    assert problem["type"] == "https://entente.dev/problems/no-such-path"
    assert "GET /dragons" in problem["detail"]
    assert problem["paths"] == ["/castles", "/castles/{id}"]
    assert result.match.source == "error"


def test_wrong_method_is_a_405_with_allow(castle: Spec) -> None:
    result = MockEngine(castle).handle(request("PATCH", f"/castles/{VERSAILLES}"))
    assert result.response.status == 405
    assert result.response.header("allow") == "GET, DELETE"
    assert body_of(result)["allowed"] == ["GET", "DELETE"]


def test_invalid_request_lists_the_violations(castle: Spec) -> None:
    result = MockEngine(castle).handle(
        request("POST", "/castles", json_body={"name": "", "region": "Loire", "yearBuilt": 99})
    )
    assert result.response.status == 400
    problem = body_of(result)
    assert problem["type"] == "https://entente.dev/problems/invalid-request"
    assert problem["title"] == "Invalid request"
    assert problem["operation"] == "createCastle"
    assert problem["detail"].endswith("with POST /castles (createCastle)")
    assert problem["violations"]
    assert {v["location"] for v in problem["violations"]} == {"body"}
    assert set(problem["violations"][0]) == {"location", "name", "message"}
    assert result.match.validation_errors
    assert result.request_body == {"name": "", "region": "Loire", "yearBuilt": 99}


def test_request_validation_can_be_off(castle: Spec) -> None:
    engine = MockEngine(castle, options=MockOptions(validate_requests=False))
    result = engine.handle(request("POST", "/castles", json_body={"name": ""}))
    assert result.response.status == 201
    assert result.request_body == {"name": ""}


def test_internal_error_becomes_a_500_problem(castle: Spec) -> None:
    def broken() -> list[Fixture]:
        raise RuntimeError("store is gone")

    result = MockEngine(castle, fixtures=broken).handle(request("GET", f"/castles/{VERSAILLES}"))
    assert result.response.status == 500
    assert body_of(result)["type"] == "https://entente.dev/problems/mock-error"
    assert result.match.validation_errors == ["internal error: RuntimeError: store is gone"]


# -- negotiation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, "application/json"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/*;q=0.9, application/json;q=0.5", "text/csv; charset=utf-8"),
        ("application/json", "application/json"),
    ],
)
def test_content_negotiation(answers: Spec, accept: str | None, content_type: str) -> None:
    headers = [("Accept", accept)] if accept else []
    result = MockEngine(answers).handle(request("GET", "/api/reports/1", headers=headers))
    assert result.response.status == 200
    assert result.response.header("content-type") == content_type
    if content_type.startswith("text/csv"):
        assert result.response.body == b"id,title\n1,Towers\n"


def test_not_acceptable_is_a_406(castle: Spec) -> None:
    result = MockEngine(castle).handle(
        request("GET", f"/castles/{VERSAILLES}", headers=[("Accept", "text/html")])
    )
    assert result.response.status == 406
    assert body_of(result)["title"] == "Not acceptable"
    (violation,) = body_of(result)["violations"]
    assert violation["location"] == "accept"


def test_not_acceptable_for_the_chosen_status(castle: Spec) -> None:
    # 204 has no content, so the request is acceptable; the 404 asked for is JSON only
    headers = [("Accept", "text/html"), ("Prefer", "code=404")]
    result = MockEngine(castle).handle(request("DELETE", f"/castles/{VERSAILLES}", headers=headers))
    assert result.response.status == 406
    problem = body_of(result)
    assert problem["type"] == "https://entente.dev/problems/not-acceptable"
    assert problem["detail"] == (
        "Accept: text/html matches none of the media types deleteCastle answers 404 with: "
        "application/json"
    )
    assert problem["offered"] == ["application/json"]
    assert problem["operation"] == "deleteCastle"


def test_wildcard_media_type_is_sent_as_json(answers: Spec) -> None:
    result = MockEngine(answers).handle(request("GET", "/api/anything"))
    assert result.response.header("content-type") == "application/json"
    assert body_of(result) == {"any": True}


# -- self-validation ------------------------------------------------------------------------


def test_stale_fixture_is_skipped_and_reported(castle: Spec) -> None:
    stale = fixture(body={"id": VERSAILLES, "name": "Old", "region": "X", "yearBuilt": "old"})
    result = MockEngine(castle, fixtures=[stale]).handle(request("GET", f"/castles/{VERSAILLES}"))
    assert result.match.source == "example"
    skipped = [r for r in result.match.reasons if "skipped: no longer valid" in r]
    assert skipped
    assert "yearBuilt" in skipped[0]
    assert result.response.header("x-entente-validation") is None


def test_stale_fixture_served_when_response_validation_is_off(castle: Spec) -> None:
    stale = fixture(body={"id": VERSAILLES, "name": "Old", "region": "X", "yearBuilt": "old"})
    engine = MockEngine(castle, fixtures=[stale], options=MockOptions(validate_responses=False))
    result = engine.handle(request("GET", f"/castles/{VERSAILLES}"))
    assert result.match.source == "fixture"
    assert body_of(result)["yearBuilt"] == "old"
    assert result.response.header("x-entente-validation") is None
    assert result.match.validation_errors == []


def test_fixture_with_undocumented_status_is_skipped(castle: Spec) -> None:
    teapot = fixture(status=418, body={"error": "teapot", "message": "short and stout"})
    result = MockEngine(castle, fixtures=[teapot]).handle(request("GET", f"/castles/{VERSAILLES}"))
    assert result.response.status == 200
    assert any("status 418 is not documented" in r for r in result.match.reasons)


def test_invalid_example_is_replaced_by_generated_data(answers: Spec) -> None:
    result = MockEngine(answers).handle(request("GET", "/api/stale"))
    assert result.match.source == "generated"
    assert isinstance(body_of(result)["id"], int)
    assert any("does not fit its schema" in r for r in result.match.reasons)


def test_invalid_example_asked_for_is_served_and_reported(answers: Spec) -> None:
    result = MockEngine(answers).handle(
        request("GET", "/api/stale", headers=[("Prefer", "example=outdated")])
    )
    assert result.match.source == "example"
    assert body_of(result)["id"] == "one"
    assert result.response.header("x-entente-validation") == "failed"
    summary = result.response.header("x-entente-validation-errors") or ""
    assert summary.startswith("1 problem: /id:")
    assert result.match.validation_errors
    assert "/id" in result.match.validation_errors[0]


def test_unsatisfiable_schema_is_served_and_reported_every_time(answers: Spec) -> None:
    engine = MockEngine(answers)
    results = [engine.handle(request("GET", f"/api/impossible/{n}")) for n in range(40)]
    assert all(r.match.source == "generated" for r in results)
    assert all(r.response.header("x-entente-validation") == "failed" for r in results)
    assert all(r.match.validation_errors for r in results)


# -- reload, 3.1 and Swagger 2.0 ------------------------------------------------------------


def test_with_spec_keeps_fixtures_and_options(castle: Spec, answers: Spec) -> None:
    options = MockOptions(use_examples=False)
    engine = MockEngine(castle, fixtures=[fixture()], options=options)
    reloaded = engine.with_spec(load_spec(CASTLE))
    assert reloaded.spec is not castle
    assert reloaded.options == options
    assert reloaded.handle(request("GET", f"/castles/{VERSAILLES}")).match.source == "fixture"
    assert engine.with_spec(answers).handle(request("GET", "/castles")).response.status == 404


def test_openapi_31(castle: Spec) -> None:
    spec = load_spec(SPECS / "openapi31.yaml")
    engine = MockEngine(spec)
    result = engine.handle(request("GET", "/keeps/1"))
    assert body_of(result) == {"id": 1, "name": "Dover", "moat": None}
    generated = engine.handle(request("GET", "/keeps/2", headers=[("Prefer", "dynamic=true")]))
    assert generated.match.source == "generated"
    assert generated.match.validation_errors == []
    assert engine.handle(request("GET", "/keeps/0")).response.status == 400


def test_swagger_20() -> None:
    spec = load_spec(SPECS / "swagger2.yaml")
    engine = MockEngine(spec)
    listed = engine.handle(request("GET", "/v1/castles"))
    assert body_of(listed) == [{"id": 1, "name": "Château de Versailles"}]
    assert listed.match.source == "example"
    created = engine.handle(request("POST", "/v1/castles", json_body={"name": "Chambord"}))
    assert created.response.status == 201
    assert created.match.source == "generated"
    assert "name" in body_of(created)
    assert created.match.validation_errors == []
    form = [("Content-Type", "multipart/form-data; boundary=x")]
    upload = (
        b'--x\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n'
        b"png\r\n--x--\r\n"
    )
    stored = engine.handle(request("PUT", "/v1/castles/3/portrait", headers=form, body=upload))
    assert stored.response.status == 204
    assert stored.response.body == b""
    failed = engine.handle(
        request(
            "PUT", "/v1/castles/3/portrait", headers=[*form, ("Prefer", "code=500")], body=upload
        )
    )
    assert failed.response.status == 500  # documented by `default`
    assert isinstance(body_of(failed), dict)
    assert failed.match.source == "generated"


def _results(engine: MockEngine, requests: Sequence[MockRequest]) -> Iterator[MockResult]:
    for item in requests:
        yield engine.handle(item)


def test_handle_never_raises_on_odd_requests(castle: Spec) -> None:
    odd = [
        request("GET", ""),
        request("GET", "/castles/%ZZ"),
        request("POST", "/castles", headers=[("Content-Type", "application/json")], body=b"{"),
        request("POST", "/castles", headers=[("Content-Type", "text/plain")], body=b"\xff"),
        request("GET", "/castles", query="region=%FF&&=", headers=[("Prefer", '"')]),
        request("GET", f"/castles/{VERSAILLES}", headers=[("Accept", ";;;")]),
    ]
    statuses = [r.response.status for r in _results(MockEngine(castle), odd)]
    assert all(100 <= s < 600 for s in statuses)
    assert 500 not in statuses
