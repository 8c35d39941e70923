"""Every generated schema rule, at every place a schema sits: one old/new schema pair per
kind, put in a query parameter, a request body (at the root and as a property), a response
body (root and property) and a response header. Together with `test_rules.py`, every rule
of the catalogue has a spec pair that fires it (`test_every_rule_has_a_case`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from entente_daemon.diff import Side, diff_specs
from entente_daemon.diff.catalogue import BY_ID, RULES, SCHEMA_KINDS, SCHEMA_PLACES
from entente_daemon.openapi.loader import load_spec_text
from tests.diff.test_rules import CASES

pytestmark = pytest.mark.usefixtures("home")

Schema = dict[str, Any]

S: Schema = {"type": "string"}
N: Schema = {"type": "integer"}
B: Schema = {"type": "boolean"}

#: kind → (old, new) on the request side
REQUEST_PAIRS: dict[str, tuple[Schema, Schema]] = {
    "type-changed": (S, N),
    "format-changed": (S, {**S, "format": "uuid"}),
    "pattern-added": (S, {**S, "pattern": "^a"}),
    "pattern-changed": ({**S, "pattern": "^a"}, {**S, "pattern": "^b"}),
    "max-decreased": ({**N, "maximum": 10}, {**N, "maximum": 5}),
    "min-increased": ({**N, "minimum": 1}, {**N, "minimum": 2}),
    "max-length-decreased": ({**S, "maxLength": 10}, {**S, "maxLength": 5}),
    "min-length-increased": ({**S, "minLength": 1}, {**S, "minLength": 2}),
    "max-items-decreased": (
        {"type": "array", "items": S, "maxItems": 5},
        {"type": "array", "items": S, "maxItems": 3},
    ),
    "min-items-increased": (
        {"type": "array", "items": S},
        {"type": "array", "items": S, "minItems": 1},
    ),
    "enum-value-removed": ({**S, "enum": ["a", "b"]}, {**S, "enum": ["a"]}),
    "enum-added": (S, {**S, "enum": ["a"]}),
    "enum-value-added": ({**S, "enum": ["a"]}, {**S, "enum": ["a", "b"]}),
    "additional-properties-closed": (
        {"type": "object"},
        {"type": "object", "additionalProperties": False},
    ),
    "branch-removed": ({"oneOf": [S, N, B]}, {"oneOf": [S, N]}),
    "nullable-removed": ({**S, "nullable": True}, S),
}

#: kind → (old, new) on the response side
RESPONSE_PAIRS: dict[str, tuple[Schema, Schema]] = {
    "type-changed": (S, N),
    "format-changed": ({**S, "format": "date"}, {**S, "format": "date-time"}),
    "pattern-changed": ({**S, "pattern": "^a"}, {**S, "pattern": "^b"}),
    "max-increased": ({**N, "maximum": 5}, {**N, "maximum": 10}),
    "min-decreased": ({**N, "minimum": 2}, {**N, "minimum": 1}),
    "max-length-increased": ({**S, "maxLength": 5}, {**S, "maxLength": 10}),
    "min-length-decreased": ({**S, "minLength": 2}, {**S, "minLength": 1}),
    "max-items-increased": (
        {"type": "array", "items": S, "maxItems": 3},
        {"type": "array", "items": S, "maxItems": 5},
    ),
    "min-items-decreased": (
        {"type": "array", "items": S, "minItems": 1},
        {"type": "array", "items": S},
    ),
    "enum-value-added": ({**S, "enum": ["a"]}, {**S, "enum": ["a", "b"]}),
    "enum-removed": ({**S, "enum": ["a"]}, S),
    "branch-added": ({"oneOf": [S, N]}, {"oneOf": [S, N, B]}),
    "nullable-added": (S, {**S, "nullable": True}),
}


def _doc(place: str, schema: Schema) -> dict[str, Any]:
    get: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
    post: dict[str, Any] = {"responses": {"204": {"description": "done"}}}
    ok = get["responses"]["200"]
    if place == "request-parameter":
        get["parameters"] = [{"name": "p", "in": "query", "schema": schema}]
    elif place == "request-body":
        post["requestBody"] = {"content": {"application/json": {"schema": schema}}}
    elif place == "request-property":
        body = {"type": "object", "properties": {"p": schema}}
        post["requestBody"] = {"content": {"application/json": {"schema": body}}}
    elif place == "response-body":
        ok["content"] = {"application/json": {"schema": schema}}
    elif place == "response-property":
        body = {"type": "object", "properties": {"p": schema}}
        ok["content"] = {"application/json": {"schema": body}}
    elif place == "response-header":
        ok["headers"] = {"X-H": {"schema": schema}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"get": get, "post": post}},
    }


def _cases() -> list[tuple[str, str, Schema, Schema]]:
    cases = []
    for place, (side, _) in SCHEMA_PLACES.items():
        pairs = REQUEST_PAIRS if side is Side.REQUEST else RESPONSE_PAIRS
        for kind, (old, new) in pairs.items():
            cases.append((f"{place}-{kind}", place, old, new))
    return cases


SCHEMA_CASES = _cases()


@pytest.mark.parametrize(
    ("rule", "place", "old", "new"), SCHEMA_CASES, ids=[c[0] for c in SCHEMA_CASES]
)
def test_schema_rule_fires_at_its_place(rule: str, place: str, old: Schema, new: Schema) -> None:
    before = load_spec_text(json.dumps(_doc(place, old)), "old.json", validate=False)
    after = load_spec_text(json.dumps(_doc(place, new)), "new.json", validate=False)
    changes = diff_specs(before, after).changes
    assert [c.rule for c in changes] == [rule]
    (change,) = changes
    entry = BY_ID[rule]
    assert (change.level, change.side) == (entry.level, entry.side)
    where = change.location
    expected_parameter = {"request-parameter": "query:p", "response-header": "header:X-H"}
    assert where.parameter == expected_parameter.get(place)
    assert where.pointer == ("/p" if place.endswith("-property") else "")
    assert where.line is not None


#: rules with a test of their own in `test_rules.py` (their pair needs a different old spec)
SEPARATE = {
    "security-scope-added",
    "request-parameter-became-optional",
    "request-body-became-optional",
}


def test_every_rule_has_a_case() -> None:
    """The catalogue and the tests move together: a new rule needs a spec pair."""
    covered = {c[0] for c in SCHEMA_CASES} | {c[0] for c in CASES} | SEPARATE
    assert sorted(set(BY_ID) - covered) == []
    assert len(RULES) == len(BY_ID)


def test_every_schema_kind_has_a_level_on_some_side() -> None:
    for kind, (request, response, what) in SCHEMA_KINDS.items():
        assert request is not None or response is not None, kind
        assert what
