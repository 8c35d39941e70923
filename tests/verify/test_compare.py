"""The verifier's comparison core, table by table: status, content type, schema, structure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from entente_daemon.compare import Mismatch, compare, kind_of, structure_problems
from entente_daemon.compare.paths import json_path
from entente_daemon.model import ErrorKind, HttpResponse
from entente_daemon.openapi import Spec, load_spec, load_spec_text

ROOT = Path(__file__).resolve().parents[2]
CASTLE_SPEC = ROOT / "examples" / "castle-service" / "openapi.yaml"

JSON = {"content-type": "application/json"}

VERSAILLES: dict[str, Any] = {
    "id": "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90",
    "name": "Château de Versailles",
    "region": "Île-de-France",
    "yearBuilt": 1623,
    "description": "Louis XIII's hunting lodge, made a palace by Louis XIV.",
}
MONT: dict[str, Any] = {
    "id": "9b1d4e72-5c3a-4f08-b6e1-2a7c8d9f0e13",
    "name": "Mont Saint-Michel",
    "region": "Normandie",
    "yearBuilt": 1023,
}

EDGE_SPEC = """
openapi: 3.0.3
info: {title: edges, version: "1"}
paths:
  /things:
    get:
      operationId: getThing
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  size: {type: number}
                  note: {type: string, nullable: true}
                  secret: {type: string, writeOnly: true}
                  tags: {type: array, items: {type: string}}
        "4XX":
          description: client error
          content:
            application/problem+json:
              schema: {type: object, required: [title], properties: {title: {type: string}}}
        "204":
          description: nothing
"""


@pytest.fixture(scope="module")
def castle() -> Spec:
    return load_spec(CASTLE_SPEC)


@pytest.fixture(scope="module")
def edges() -> Spec:
    return load_spec_text(EDGE_SPEC)


def response(status: int = 200, body: Any = None, content_type: str | None = None) -> HttpResponse:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return HttpResponse(status=status, headers=headers, body=body)


def kinds_and_paths(mismatches: list[Mismatch]) -> list[tuple[str, str | None]]:
    return [(m.kind.value, m.path) for m in mismatches]


def run(spec: Spec, operation_id: str, recorded: HttpResponse, actual: HttpResponse) -> Any:
    operation = spec.operation(operation_id)
    assert operation is not None
    return compare(spec, operation, recorded, actual)


# -- status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "actual", "expected"),
    [
        (200, 200, []),
        (200, 202, [("status_mismatch", None)]),
        (404, 200, [("status_mismatch", None)]),
        (204, 404, [("status_mismatch", None)]),
    ],
)
def test_status(castle: Spec, recorded: int, actual: int, expected: list[Any]) -> None:
    body = {"error": "not_found", "message": "gone"} if recorded == 404 else None
    got = run(
        castle,
        "deleteCastle" if recorded == 204 else "getCastle",
        response(recorded, body if recorded != 200 else VERSAILLES, "application/json"),
        response(actual, VERSAILLES if actual in (200, 202) else body, "application/json"),
    )
    assert kinds_and_paths(got) == expected


def test_status_mismatch_says_both_codes(castle: Spec) -> None:
    (mismatch,) = run(
        castle,
        "getCastle",
        response(200, VERSAILLES, JSON["content-type"]),
        response(202, VERSAILLES, JSON["content-type"]),
    )
    assert (mismatch.expected, mismatch.actual) == (200, 202)
    assert "200" in mismatch.message
    assert "202" in mismatch.message


# -- content type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded_type", "actual_type", "expected"),
    [
        ("application/json", "application/json", []),
        ("application/json", "application/json; charset=utf-8", []),
        ("application/json; charset=utf-8", "Application/JSON", []),
        ("application/json", "text/plain", [("content_mismatch", None)]),
        ("application/json", "text/plain; charset=utf-8", [("content_mismatch", None)]),
        ("application/json", None, [("content_mismatch", None)]),
        ("application/json", "application/problem+json", [("content_mismatch", None)]),
        # No Content-Type recorded: the spec's documented types decide.
        (None, "application/json", []),
        (None, "text/html", [("content_mismatch", None)]),
        (None, None, [("content_mismatch", None)]),
    ],
)
def test_content_type(
    castle: Spec, recorded_type: str | None, actual_type: str | None, expected: list[Any]
) -> None:
    got = run(
        castle,
        "getCastle",
        response(200, VERSAILLES, recorded_type),
        response(200, VERSAILLES, actual_type),
    )
    assert kinds_and_paths(got) == expected


def test_content_mismatch_names_both_types(castle: Spec) -> None:
    (mismatch,) = run(
        castle,
        "getCastle",
        response(200, VERSAILLES, "application/json"),
        response(200, str(VERSAILLES), "text/plain; charset=utf-8"),
    )
    assert (mismatch.expected, mismatch.actual) == ("application/json", "text/plain")
    assert "text/plain" in mismatch.message


def test_no_body_no_content_type_needed(castle: Spec) -> None:
    assert run(castle, "deleteCastle", response(204), response(204)) == []


# -- schema ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation_id", "status", "actual_body", "expected"),
    [
        ("getCastle", 200, VERSAILLES, []),
        ("getCastle", 200, {**VERSAILLES, "extra": 1}, []),
        ("getCastle", 200, {**VERSAILLES, "yearBuilt": "1623"}, [("schema", "$.yearBuilt")]),
        ("getCastle", 200, {**VERSAILLES, "id": "not-a-uuid"}, [("schema", "$.id")]),
        ("getCastle", 200, {**VERSAILLES, "name": ""}, [("schema", "$.name")]),
        (
            "getCastle",
            200,
            {k: v for k, v in VERSAILLES.items() if k not in ("region", "name")},
            [("schema", "$.name"), ("schema", "$.region")],
        ),
        ("getCastle", 200, [VERSAILLES], [("schema", "$")]),
        ("listCastles", 200, [VERSAILLES, MONT], []),
        ("listCastles", 200, [], []),
        (
            "listCastles",
            200,
            [VERSAILLES, {**MONT, "yearBuilt": 10.5}],
            [("schema", "$[1].yearBuilt")],
        ),
        ("getCastle", 404, {"error": "not_found"}, [("schema", "$.message")]),
        ("createCastle", 400, {"error": "x", "message": "y"}, []),
    ],
)
def test_schema(
    castle: Spec, operation_id: str, status: int, actual_body: Any, expected: list[Any]
) -> None:
    got = run(
        castle,
        operation_id,
        response(status, None, "application/json"),  # nothing recorded: only the spec counts
        response(status, actual_body, "application/json"),
    )
    assert sorted((m.kind.value.split("_")[0], m.path) for m in got) == expected


def test_schema_mismatch_carries_the_keyword_and_value(castle: Spec) -> None:
    (mismatch,) = run(
        castle,
        "getCastle",
        response(200, None, "application/json"),
        response(200, {**VERSAILLES, "yearBuilt": "1623"}, "application/json"),
    )
    assert mismatch.kind is ErrorKind.SCHEMA_MISMATCH
    assert mismatch.expected == {"type": "integer"}
    assert mismatch.actual == "1623"
    assert mismatch.message.startswith("$.yearBuilt: ")


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (200, {"size": 1, "note": None, "tags": ["a"]}, "application/json", []),
        (200, {"secret": "s"}, "application/json", [("schema_mismatch", "$.secret")]),
        (200, {"tags": [1]}, "application/json", [("schema_mismatch", "$.tags[0]")]),
        (418, {"title": "teapot"}, "application/problem+json", []),  # 4XX range
        (418, {}, "application/problem+json", [("schema_mismatch", "$.title")]),
        (204, "surprise", "text/plain", [("schema_mismatch", "$")]),  # body where none is
        (500, {"x": 1}, "application/json", [("schema_mismatch", None)]),  # undocumented
    ],
)
def test_schema_edges(
    edges: Spec, status: int, body: Any, content_type: str, expected: list[Any]
) -> None:
    got = run(
        edges,
        "getThing",
        response(status, None, content_type),
        response(status, body, content_type),
    )
    assert kinds_and_paths(got) == expected


# -- structure ---------------------------------------------------------------------------


def without(castle: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in castle.items() if k not in names}


@pytest.mark.parametrize(
    ("recorded", "actual", "expected"),
    [
        (VERSAILLES, VERSAILLES, []),
        (VERSAILLES, {**VERSAILLES, "towers": 4}, []),  # extra fields are fine
        (VERSAILLES, without(VERSAILLES, "description"), [("$.description", "string", None)]),
        (
            VERSAILLES,
            {**VERSAILLES, "yearBuilt": "1623"},
            [("$.yearBuilt", "number", "string")],
        ),
        (VERSAILLES, {**VERSAILLES, "yearBuilt": 1623.0}, []),  # int and float: one kind
        ({"a": 1}, {"a": True}, [("$.a", "number", "boolean")]),
        ({"a": None}, {"a": "now a value"}, []),  # null seen: any value will do
        ({"a": None}, {}, [("$.a", "null", None)]),  # ...but it must be there
        ({"a": "x"}, {"a": None}, [("$.a", "string", "null")]),
        ({"a": {"b": {"c": 1}}}, {"a": {"b": {}}}, [("$.a.b.c", "number", None)]),
        ({"a": {"b": 1}}, {"a": [1]}, [("$.a", "object", "array")]),
        ({"odd key": 1}, {}, [('$["odd key"]', "number", None)]),
        # Arrays: by the items' shape.
        ([VERSAILLES, MONT], [MONT, VERSAILLES], []),
        ([VERSAILLES, MONT], [MONT], [("$[*].description", "string", None)]),
        ([MONT], [VERSAILLES, MONT], []),
        (
            [VERSAILLES, MONT],
            [without(VERSAILLES, "region"), without(MONT, "region")],
            [("$[*].region", "string", None)],
        ),
        ([VERSAILLES], [], []),  # empty now: state-dependent, not a mismatch by default
        ([], [VERSAILLES], []),
        ({"items": [{"n": 1}]}, {"items": [{"n": "1"}]}, [("$.items[*].n", "number", "string")]),
        ([{"n": 1}, {"n": None}], [{"n": None}, {"n": 2}], []),  # null among values: fine
        ([[1, 2]], [["a"]], [("$[*][*]", "number", "string")]),
        (None, {"anything": 1}, []),  # no recorded body asks for nothing
        ("text", "other text", []),
        ("text", None, [("$", "string", "null")]),
    ],
)
def test_structure(recorded: Any, actual: Any, expected: list[Any]) -> None:
    got = structure_problems(recorded, actual)
    assert [(p.path, p.expected, p.actual) for p in got] == expected


def test_strict_arrays_report_an_emptied_array() -> None:
    (problem,) = structure_problems({"items": [1]}, {"items": []}, strict_arrays=True)
    assert problem.path == "$.items"
    assert "none" in problem.message


def test_structure_messages_read_as_sentences() -> None:
    gone, changed = structure_problems(
        {"region": "Normandie", "yearBuilt": 1023}, {"yearBuilt": "1023"}
    )
    assert gone.message == (
        "$.region: the consumer saw a string here; the provider no longer sends it"
    )
    assert changed.message == (
        "$.yearBuilt: the consumer saw a number here; the provider now sends a string"
    )


def test_structure_through_compare(castle: Spec) -> None:
    got = run(
        castle,
        "getCastle",
        response(200, VERSAILLES, "application/json"),
        response(200, MONT, "application/json"),  # valid, but lacks what the consumer saw
    )
    assert kinds_and_paths(got) == [("structure_mismatch", "$.description")]
    assert got[0].expected == "string"


def test_everything_at_once_reports_each_fault(castle: Spec) -> None:
    got = run(
        castle,
        "getCastle",
        response(200, VERSAILLES, "application/json"),
        response(200, {**without(VERSAILLES, "region"), "yearBuilt": "x"}, "application/json"),
    )
    assert sorted(kinds_and_paths(got)) == [
        ("schema_mismatch", "$.region"),
        ("schema_mismatch", "$.yearBuilt"),
        ("structure_mismatch", "$.region"),
        ("structure_mismatch", "$.yearBuilt"),
    ]


# -- helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "boolean"),
        (1, "number"),
        (1.5, "number"),
        ("s", "string"),
        ({}, "object"),
        ([], "array"),
    ],
)
def test_kind_of(value: Any, kind: str) -> None:
    assert kind_of(value) == kind


@pytest.mark.parametrize(
    ("parts", "path"),
    [
        ([], "$"),
        (["items", 0, "yearBuilt"], "$.items[0].yearBuilt"),
        ([0, "a-b"], '$[0]["a-b"]'),
        (["$ref"], "$.$ref"),
    ],
)
def test_json_path(parts: list[str | int], path: str) -> None:
    assert json_path(parts) == path
