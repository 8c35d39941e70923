"""Fixture scoring, rule by rule (see entente_daemon/mock/FIXTURE_SCORING.md): which fixtures
are candidates for a request, and in which order they are tried."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.fixtures.scoring import explain_ranking, rank_fixtures, same_json
from entente_daemon.mock.messages import MockRequest
from entente_daemon.mock.validation.request import RequestCheck
from entente_daemon.model import Fixture, FixtureSource, FixtureStatus, HttpRequest, HttpResponse
from entente_daemon.openapi import Operation, Spec, load_spec

ROOT = Path(__file__).resolve().parents[2]
ID = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
OTHER = "9b1d4e72-5c3a-4f08-b6e1-2a7c8d9f0e13"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTENTE_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(ROOT / "examples" / "castle-service" / "openapi.yaml")


def operation(spec: Spec, operation_id: str) -> Operation:
    found = spec.operation(operation_id)
    assert found is not None
    return found


def make(
    name: str,
    *,
    operation_id: str = "getCastle",
    method: str = "GET",
    path: str = "/castles/{id}",
    query: dict[str, list[str]] | None = None,
    body: Any = None,
    source: FixtureSource = FixtureSource.MANUAL,
    priority: int = 0,
    approved_at: datetime = datetime(2024, 1, 1, tzinfo=UTC),
    status: FixtureStatus = FixtureStatus.APPROVED,
) -> Fixture:
    return Fixture(
        id=name,
        provider="castle-service",
        operation_id=operation_id,
        status=status,
        source=source,
        priority=priority,
        request=HttpRequest(method=method, path=path, query=query or {}, body=body),
        response=HttpResponse(status=200, body={}),
        approved_at=approved_at,
    )


def check(body: Any = None) -> RequestCheck:
    return RequestCheck(
        violations=(), body=body, media_type=None, path={}, query={}, headers={}, cookies={}
    )


def get(path: str = f"/castles/{ID}", query: str = "") -> MockRequest:
    return MockRequest("GET", path, query)


# -- candidates -----------------------------------------------------------------------------

CANDIDATES: list[tuple[str, dict[str, Any], MockRequest, Any, str | None]] = [
    # (case, fixture fields, request, request body, None if a candidate else the reason)
    ("template path pins nothing", {}, get(), None, None),
    ("empty path pins nothing", {"path": ""}, get(), None, None),
    ("same concrete path", {"path": f"/castles/{ID}"}, get(), None, None),
    ("base path is ignored", {"path": f"/api/castles/{ID}"}, get(), None, None),
    ("percent-encoded value", {"path": "/castles/a%20b"}, get("/castles/a b"), None, None),
    ("other path value", {"path": f"/castles/{OTHER}"}, get(), None, "path parameter id"),
    ("path not of the template", {"path": f"/dragons/{ID}"}, get(), None, "does not fit"),
    ("other method", {"method": "DELETE"}, get(), None, "recorded for DELETE"),
    ("same query", {"query": {"a": ["1"]}}, get(query="a=1"), None, None),
    ("query subset", {"query": {"a": ["1"]}}, get(query="a=1&b=2"), None, None),
    ("query missing", {"query": {"a": ["1"]}}, get(), None, "a=['1'] is missing"),
    ("query differs", {"query": {"a": ["1"]}}, get(query="a=2"), None, "a=['1'] differs"),
    ("query order", {"query": {"a": ["1", "2"]}}, get(query="a=2&a=1"), None, "differs"),
    ("no body pins nothing", {}, get(), {"x": 1}, None),
    ("same body", {"body": {"x": 1, "y": [1]}}, get(), {"y": [1.0], "x": 1}, None),
    ("other body", {"body": {"x": 1}}, get(), {"x": 2}, "request body differs"),
    ("true is not 1", {"body": {"x": True}}, get(), {"x": 1}, "request body differs"),
    ("body missing", {"body": {"x": 1}}, get(), None, "request body differs"),
]


@pytest.mark.parametrize(
    ("fields", "req", "body", "reason"),
    [case[1:] for case in CANDIDATES],
    ids=[case[0] for case in CANDIDATES],
)
def test_candidates(
    spec: Spec, fields: dict[str, Any], req: MockRequest, body: Any, reason: str | None
) -> None:
    ranked, rejected = explain_ranking(
        [make("f", **fields)], operation(spec, "getCastle"), req, check(body)
    )
    if reason is None:
        assert [s.fixture.id for s in ranked] == ["f"]
        assert rejected == []
    else:
        assert ranked == []
        assert len(rejected) == 1
        assert reason in rejected[0].reason


def test_other_operations_and_unapproved_fixtures_are_not_considered(spec: Spec) -> None:
    fixtures = [
        make("other-op", operation_id="listCastles", path="/castles"),
        make("draft", status=FixtureStatus.DRAFT),
        make("rejected", status=FixtureStatus.REJECTED),
    ]
    ranked, rejected = explain_ranking(fixtures, operation(spec, "getCastle"), get(), check())
    assert (ranked, rejected) == ([], [])


def test_levels_are_reported(spec: Spec) -> None:
    exact = make("a", path=f"/castles/{ID}", query={"region": ["N"]}, body={"k": 1})
    (scored,) = rank_fixtures(
        [exact], operation(spec, "getCastle"), get(query="region=N"), check({"k": 1})
    )
    assert (scored.path, scored.query, scored.body) == ("exact", "exact", True)
    assert scored.summary == "path+query exact, body match, source manual, priority 0"
    loose = make("b")
    (scored,) = rank_fixtures([loose], operation(spec, "getCastle"), get(query="x=1"), check())
    assert (scored.path, scored.query, scored.body) == ("any", "any", False)
    assert scored.summary.startswith("path any, query any, no body pinned")


# -- order ----------------------------------------------------------------------------------

OLD = datetime(2023, 1, 1, tzinfo=UTC)
NEW = datetime(2024, 6, 1, tzinfo=UTC)

ORDER: list[tuple[str, dict[str, Any], dict[str, Any], str, Any]] = [
    # (rule, better fixture, worse fixture, query string, request body)
    ("1: exact path beats template", {"path": f"/castles/{ID}"}, {}, "", None),
    ("1: exact query beats extra params", {"query": {"a": ["1"]}}, {}, "a=1", None),
    (
        "1: more pinned values beat fewer",
        {"query": {"a": ["1"]}},
        {},
        "a=1&b=2",
        None,
    ),
    ("2: body match beats none", {"body": {"k": 1}}, {}, "", {"k": 1}),
    (
        "3: provider beats consumer",
        {"source": FixtureSource.PROVIDER},
        {"source": FixtureSource.CONSUMER},
        "",
        None,
    ),
    (
        "3: consumer beats manual",
        {"source": FixtureSource.CONSUMER},
        {"source": FixtureSource.MANUAL},
        "",
        None,
    ),
    ("4: higher priority", {"priority": 5}, {"priority": 1}, "", None),
    ("5: newest approval", {"approved_at": NEW}, {"approved_at": OLD}, "", None),
    (
        "1 before 3: exact manual beats template provider",
        {"path": f"/castles/{ID}"},
        {"source": FixtureSource.PROVIDER},
        "",
        None,
    ),
    (
        "2 before 3: body-matching manual beats provider",
        {"body": {"k": 1}},
        {"source": FixtureSource.PROVIDER},
        "",
        {"k": 1},
    ),
    (
        "3 before 4: provider beats high-priority manual",
        {"source": FixtureSource.PROVIDER},
        {"priority": 99},
        "",
        None,
    ),
    (
        "4 before 5: priority beats newer",
        {"priority": 1, "approved_at": OLD},
        {"approved_at": NEW},
        "",
        None,
    ),
]


@pytest.mark.parametrize(
    ("better", "worse", "query", "body"),
    [case[1:] for case in ORDER],
    ids=[case[0] for case in ORDER],
)
def test_order(
    spec: Spec, better: dict[str, Any], worse: dict[str, Any], query: str, body: Any
) -> None:
    op = operation(spec, "getCastle")
    # "a" sorts first by id, so the ids never decide (the worse one would win a pure tie)
    fixtures = [make("b-better", **better), make("a-worse", **worse)]
    for given in (fixtures, fixtures[::-1]):
        ranked = rank_fixtures(given, op, get(query=query), check(body))
        assert [s.fixture.id for s in ranked] == ["b-better", "a-worse"]


def test_full_tie_is_broken_by_id(spec: Spec) -> None:
    fixtures = [make("c"), make("a"), make("b")]
    ranked = rank_fixtures(fixtures, operation(spec, "getCastle"), get(), check())
    assert [s.fixture.id for s in ranked] == ["a", "b", "c"]


def test_missing_approval_time_falls_back_to_creation(spec: Spec) -> None:
    older = make("a-older").model_copy(update={"approved_at": None, "created_at": OLD})
    newer = make("b-newer").model_copy(update={"approved_at": None, "created_at": NEW})
    ranked = rank_fixtures([older, newer], operation(spec, "getCastle"), get(), check())
    assert [s.fixture.id for s in ranked] == ["b-newer", "a-older"]


def test_body_rule_on_an_operation_with_a_body(spec: Spec) -> None:
    op = operation(spec, "createCastle")
    chambord = {"name": "Chambord", "region": "Loire", "yearBuilt": 1519}
    fixtures = [
        make("generic", operation_id="createCastle", method="POST", path="/castles"),
        make(
            "chambord", operation_id="createCastle", method="POST", path="/castles", body=chambord
        ),
    ]
    post = MockRequest("POST", "/castles")
    assert [s.fixture.id for s in rank_fixtures(fixtures, op, post, check(chambord))] == [
        "chambord",
        "generic",
    ]
    other = {**chambord, "name": "Blois"}
    assert [s.fixture.id for s in rank_fixtures(fixtures, op, post, check(other))] == ["generic"]


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ({"x": 1, "y": 2}, {"y": 2, "x": 1}, True),
        (1, 1.0, True),
        (True, 1, False),
        (False, 0, False),
        (None, None, True),
        ([1, 2], [2, 1], False),
        ("1", 1, False),
        ({"x": [None]}, {"x": [None]}, True),
    ],
)
def test_json_equality(a: Any, b: Any, equal: bool) -> None:
    assert same_json(a, b) is equal
