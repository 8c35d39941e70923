"""The quick "certainly valid" predicates of simple schemas (`entente_daemon.openapi.fastpath`).

The one property that matters: whenever the quick predicate says valid, jsonschema (the full
validator, run here directly) finds no error. Checked over a grid of schemas and values in
both dialects and both directions; plus that the predicate is there and says valid for the
usual valid values (else the fast path would silently never be taken).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.messages import MockRequest
from entente_daemon.openapi import load_spec
from entente_daemon.openapi.schemas import DRAFT4_URI, DRAFT202012_URI, DocumentSchemas

CASTLE = Path(__file__).resolve().parents[2] / "examples" / "castle-service" / "openapi.yaml"
UUID = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"

DOCUMENT: dict[str, Any] = {
    "components": {
        "schemas": {
            "Id": {"type": "string", "format": "uuid"},
            "Castle": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"$ref": "#/components/schemas/Id", "readOnly": True},
                    "name": {"type": "string", "minLength": 1},
                    "secret": {"type": "string", "writeOnly": True},
                    "year": {"type": "integer", "minimum": 1000, "maximum": 2100},
                },
            },
            "Node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                },
            },
        }
    }
}

SCHEMAS: list[Any] = [
    {},
    True,
    {"type": "string"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "date"},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "email"},
    {"type": "string", "format": "no-such-format"},
    {"type": "string", "minLength": 2, "maxLength": 4},
    {"type": "string", "pattern": "^[a-z]+$"},
    {"type": "string", "pattern": "(?<word>x+)"},
    {"type": "string", "pattern": "([unclosed"},
    {"type": "string", "enum": ["a", "b"]},
    {"enum": ["a", 1, True, 2.5]},
    {"enum": [{"a": 1}, [1]]},
    {"type": "string", "nullable": True},
    {"type": "string", "enum": ["a"], "nullable": True},
    {"type": "integer"},
    {"type": "integer", "format": "int32"},
    {"type": "integer", "minimum": 0, "maximum": 10},
    {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
    {"type": "number", "maximum": 1.5, "exclusiveMaximum": True},
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
    {"type": "number", "format": "float"},
    {"type": "number", "multipleOf": 2},
    {"type": "boolean"},
    {"type": ["string", "integer"]},
    {"type": ["string", "null"]},
    {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3},
    {"type": "array", "items": [{"type": "integer"}]},
    {"type": "array", "uniqueItems": True},
    {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}},
    {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 1},
    {"type": "object", "maxProperties": 1},
    {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
    {"type": "object", "required": ["a"], "properties": {"a": {"readOnly": True}}},
    {"type": "object", "required": ["a"], "properties": {"a": {"writeOnly": True}}},
    {"allOf": [{"type": "string"}]},
    {"$ref": "#/components/schemas/Id"},
    {"$ref": "#/components/schemas/Castle"},
    {"$ref": "#/components/schemas/Node"},
    {"$ref": "#/components/schemas/Id", "maxLength": 3},
    {"$ref": "#/components/schemas/Missing"},
    {"type": "string", "x-extension": {"type": "integer"}, "description": "text"},
    {"type": "string", "readOnly": True},
    {"type": "string", "writeOnly": True},
    {"type": "string", "minLength": "two"},
    {"minimum": "zero"},
    {"$id": "other", "type": "string"},
]

VALUES: list[Any] = [
    None,
    "",
    "a",
    "ab",
    "abcde",
    "x" * 10,
    UUID,
    UUID.upper(),
    "{" + UUID + "}",
    UUID.replace("-", ""),
    "urn:uuid:" + UUID,
    "2024-02-29",
    "2023-02-29",
    "2024-02-29T12:00:00Z",
    "2024-02-29 12:00:00",
    "someone@example.org",
    "1",
    0,
    1,
    -1,
    10,
    11,
    1000,
    2**40,
    1.0,
    1.5,
    2.5,
    math.nan,
    math.inf,
    True,
    False,
    [],
    [1],
    [1, 2, 3, 4],
    ["a"],
    {},
    {"a": "x"},
    {"a": 1},
    {"b": 1},
    {"x1": "y"},
    {"id": UUID, "name": "Versailles"},
    {"id": UUID, "name": "Versailles", "year": 1623},
    {"id": "not-a-uuid", "name": "Versailles"},
    {"name": "Versailles"},
    {"id": UUID, "name": "", "secret": "s"},
    {"id": UUID, "name": "V", "year": 999},
    {"name": "root", "children": [{"name": "leaf", "children": []}]},
    {"name": "root", "children": [{"name": 1}]},
]


@pytest.mark.parametrize("dialect", [DRAFT4_URI, DRAFT202012_URI])
@pytest.mark.parametrize("direction", [None, "request", "response"])
def test_quick_valid_means_valid(dialect: str, direction: Any) -> None:
    schemas = DocumentSchemas(DOCUMENT, dialect=dialect)
    vouched = 0
    for schema in SCHEMAS:
        validator = schemas.validator(schema, direction=direction)
        for value in VALUES:
            if validator.quick is None or not validator.quick(value):
                continue
            vouched += 1
            assert validator.raw is not None
            errors = [e.message for e in validator.raw.iter_errors(value)]
            assert errors == [], f"quick said valid: {value!r} for {schema!r}: {errors}"
    assert vouched > 100  # the fast path is taken for a good share of the grid


@pytest.mark.parametrize("dialect", [DRAFT4_URI, DRAFT202012_URI])
def test_invalid_values_keep_their_messages(dialect: str) -> None:
    schemas = DocumentSchemas(DOCUMENT, dialect=dialect)
    validator = schemas.validator({"type": "string", "format": "uuid"})
    assert validator.quick is not None
    assert validator.quick(UUID)
    assert validator.is_valid(UUID)
    messages = [e.message for e in validator.iter_errors("nope")]
    assert messages == ["'nope' is not a 'uuid'"]
    castle = schemas.validator({"$ref": "#/components/schemas/Castle"}, direction="response")
    assert castle.quick is not None
    assert castle.quick({"id": UUID, "name": "Versailles", "year": 1623})
    assert [e.message for e in castle.iter_errors({"id": UUID, "name": "V", "year": 99})] == [
        "99 is less than the minimum of 1000"
    ]


def test_unsupported_schemas_have_no_quick_path() -> None:
    schemas = DocumentSchemas(DOCUMENT, dialect=DRAFT4_URI)
    for schema in ({"allOf": [{"type": "string"}]}, {"type": "string", "pattern": "([bad"}):
        assert schemas.validator(schema).quick is None


def test_recursive_schema_is_vouched_for_at_the_top_only() -> None:
    schemas = DocumentSchemas(DOCUMENT, dialect=DRAFT202012_URI)
    node = schemas.validator({"$ref": "#/components/schemas/Node"})
    assert node.quick is not None
    assert node.quick({"name": "leaf"})
    assert not node.quick({"name": "root", "children": [{"name": "leaf"}]})  # not sure
    assert node.is_valid({"name": "root", "children": [{"name": "leaf"}]})
    assert not node.is_valid({"name": "root", "children": [{"name": 1}]})


def test_engine_refuses_an_invalid_path_parameter_as_before() -> None:
    engine = MockEngine(load_spec(CASTLE))
    accept = (("accept", "application/json"),)
    ok = engine.handle(MockRequest("GET", f"/castles/{UUID}", "", accept))
    assert ok.response.status == 200
    bad = engine.handle(MockRequest("GET", "/castles/not-a-uuid", "", accept))
    assert bad.response.status == 400
    assert bad.match.validation_errors == [
        "request path id: path parameter 'id' must be a string in uuid format (got 'not-a-uuid')"
    ]
