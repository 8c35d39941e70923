"""Pact's matching rules as verification honours them (`compare.matching_rules`): each rule
passing and failing, the failure at its JSON path; paths with wildcards; the cascade of
``type``; headers and status; and the hook in `compare` (a typed ``rule_mismatch``)."""

from __future__ import annotations

from typing import Any

import pytest

from entente_daemon.compare import compare
from entente_daemon.compare.matching_rules import (
    body_failures,
    header_failures,
    java_to_strptime,
    status_failures,
)
from entente_daemon.compare.rule_paths import ANY, RulePathError, parse_path, rules_of
from entente_daemon.model import ErrorKind, HttpResponse
from entente_daemon.openapi import load_spec
from tests.pact.castle import SPEC


def rule(*matchers: dict[str, Any], combine: str = "AND") -> dict[str, Any]:
    return {"combine": combine, "matchers": list(matchers)}


def paths(expected: Any, actual: Any, rules: dict[str, Any]) -> list[str]:
    return [f.path for f in body_failures(expected, actual, rules_of(rules))]


# (name, rules at "$.v", expected value, a passing value, a failing value)
SCALAR_CASES: list[tuple[str, dict[str, Any], Any, Any, Any]] = [
    ("type", rule({"match": "type"}), "a", "anything", 1),
    ("regex", rule({"match": "regex", "regex": r"\d+"}), "1", "42", "42a"),
    ("regex on a number", rule({"match": "regex", "regex": r"\d+"}), 1, 77, "x"),
    ("include", rule({"match": "include", "value": "cast"}), "castle", "a castle", "fort"),
    ("number", rule({"match": "number"}), 1, 2.5, "2.5"),
    ("integer", rule({"match": "integer"}), 1, 3, 3.5),
    ("decimal", rule({"match": "decimal"}), 1.5, 2.25, 2),
    ("boolean", rule({"match": "boolean"}), True, False, "yes"),
    ("null", rule({"match": "null"}), None, None, 0),
    ("date", rule({"match": "date", "format": "yyyy-MM-dd"}), "x", "2026-12-02", "2026-13-02"),
    ("time", rule({"match": "time", "format": "HH:mm:ss"}), "x", "16:45:00", "25:00:00"),
    (
        "datetime",
        rule({"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}),
        "x",
        "2026-12-02T16:45:00.123Z",
        "2026-12-02 16:45",
    ),
    ("timestamp, ISO", rule({"match": "timestamp"}), "x", "2026-12-02T16:45:00+01:00", "soon"),
    ("values equality", rule({"match": "equality"}), "a", "a", "b"),
    ("notEmpty", rule({"match": "notEmpty"}), "a", "b", ""),
    ("semver", rule({"match": "semver"}), "1.0.0", "2.10.3-rc.1", "2.10"),
    (
        "OR",
        rule({"match": "integer"}, {"match": "null"}, combine="OR"),
        1,
        None,
        "1",
    ),
    (
        "AND",
        rule({"match": "type"}, {"match": "regex", "regex": "[a-z]+"}),
        "a",
        "abc",
        "ABC",
    ),
]


@pytest.mark.parametrize(
    ("rules", "expected", "good", "bad"),
    [case[1:] for case in SCALAR_CASES],
    ids=[case[0] for case in SCALAR_CASES],
)
def test_each_rule_passes_and_fails_at_its_path(
    rules: dict[str, Any], expected: Any, good: Any, bad: Any
) -> None:
    category = {"$.v": rules}
    assert paths({"v": expected}, {"v": good}, category) == []
    failures = body_failures({"v": expected}, {"v": bad}, rules_of(category))
    assert [f.path for f in failures] == ["$.v"]
    assert failures[0].message.startswith("$.v: ")


def test_without_a_rule_values_are_equal_keys_present_and_arrays_the_same_length() -> None:
    expected = {"a": 1, "b": [1, 2], "c": {"d": "x"}}
    assert paths(expected, {**expected, "extra": True}, {}) == []
    assert paths(expected, {"a": 2, "b": [1], "c": {}}, {}) == ["$.a", "$.b", "$.c.d"]
    assert paths({"a": 1}, {"a": True}, {}) == ["$.a"]  # 1 is not true


def test_type_cascades_to_values_without_their_own_rule() -> None:
    rules = {"$": rule({"match": "type"}), "$.id": rule({"match": "regex", "regex": "[0-9]+"})}
    expected = {"id": "1", "name": "a", "tags": ["x"], "inner": {"n": 1}}
    assert (
        paths(expected, {"id": "22", "name": "b", "tags": ["y", "z"], "inner": {"n": 5}}, rules)
        == []
    )
    assert paths(expected, {"id": "x", "name": 3, "tags": [1], "inner": {}}, rules) == [
        "$.id",
        "$.name",
        "$.tags[0]",
        "$.inner.n",
    ]


def test_each_like_holds_min_max_and_every_item_against_the_example() -> None:
    rules = {"$.items": rule({"match": "type", "min": 1, "max": 2})}
    expected = {"items": [{"id": 1}]}
    assert paths(expected, {"items": [{"id": 2}, {"id": 3}]}, rules) == []
    assert paths(expected, {"items": []}, rules) == ["$.items"]
    assert paths(expected, {"items": [{"id": 1}, {"id": 2}, {"id": 3}]}, rules) == ["$.items"]
    assert paths(expected, {"items": [{"id": 1}, {"id": "2"}]}, rules) == ["$.items[1].id"]


def test_wildcard_paths_name_every_item_and_every_field() -> None:
    rules = {
        "$.items[*].id": rule({"match": "regex", "regex": "[a-f0-9]+"}),
        "$.items": rule({"match": "type"}),
        "$.meta.*": rule({"match": "integer"}),
    }
    expected = {"items": [{"id": "ab"}], "meta": {"a": 1}}
    ok = {"items": [{"id": "ff"}, {"id": "0c"}], "meta": {"a": 9}}
    assert paths(expected, ok, rules) == []
    bad = {"items": [{"id": "ff"}, {"id": "ZZ"}], "meta": {"a": 1.5}}
    assert paths(expected, bad, rules) == ["$.items[1].id", "$.meta.a"]


def test_values_leaves_the_keys_free() -> None:
    rules = {"$.by_id": rule({"match": "values"})}
    expected = {"by_id": {"k1": {"n": 1}}}
    assert paths(expected, {"by_id": {"other": {"n": 2}, "more": {"n": 3}}}, rules) == []
    assert paths(expected, {"by_id": {"other": {"n": "2"}}}, rules) == ["$.by_id.other.n"]


def test_array_contains_finds_each_variant_among_the_items() -> None:
    rules = {
        "$": rule(
            {
                "match": "arrayContains",
                "variants": [{"index": 0, "rules": {"$.id": rule({"match": "integer"})}}],
            }
        )
    }
    expected = [{"id": 1, "kind": "castle"}]
    assert paths(expected, [{"kind": "fort"}, {"id": 7, "kind": "castle"}], rules) == []
    assert paths(expected, [{"id": 7, "kind": "fort"}], rules) == ["$"]


def test_each_key_and_each_value() -> None:
    rules = {
        "$.m": rule(
            {"match": "eachKey", "rules": [{"match": "regex", "regex": "[a-z]+"}]},
            {"match": "eachValue", "rules": [{"match": "integer"}]},
        )
    }
    assert paths({"m": {"a": 1}}, {"m": {"x": 2, "y": 3}}, rules) == []
    assert paths({"m": {"a": 1}}, {"m": {"X": 2, "y": "3"}}, rules) == ["$.m.X", "$.m.y"]


def test_an_unknown_matcher_fails_and_says_so() -> None:
    [failure] = body_failures({"v": 1}, {"v": 1}, rules_of({"$.v": rule({"match": "telepathy"})}))
    assert "telepathy" in failure.message


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("$", ()),
        ("$.a.b", ("a", "b")),
        ("$.a[2]", ("a", 2)),
        ("$.a[*].b", ("a", ANY, "b")),
        ("$.*", (ANY,)),
        ("$['odd key'].x", ("odd key", "x")),
        ('$["q"]', ("q",)),
    ],
)
def test_paths_parse(text: str, steps: tuple[Any, ...]) -> None:
    assert parse_path(text) == steps


@pytest.mark.parametrize("text", ["a.b", "$.", "$[x]", "$['open", "$a"])
def test_bad_paths_are_refused(text: str) -> None:
    with pytest.raises(RulePathError):
        parse_path(text)


@pytest.mark.parametrize(
    ("pattern", "strptime"),
    [
        ("yyyy-MM-dd", "%Y-%m-%d"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "%Y-%m-%dT%H:%M:%S.%f%z"),
        ("dd MMM yyyy hh:mm a", "%d %b %Y %I:%M %p"),
    ],
)
def test_java_date_patterns(pattern: str, strptime: str) -> None:
    assert java_to_strptime(pattern) == strptime


def test_headers_by_rule_else_by_value() -> None:
    expected = {"Content-Type": "application/json", "Location": "/castles/1", "X-N": "a, b"}
    rules = {"location": rule({"match": "regex", "regex": "/castles/[0-9]+"})}
    good = {
        "content-type": "application/json; charset=utf-8",
        "location": "/castles/42",
        "x-n": "a,b",
    }
    assert header_failures(expected, good, rules) == []
    bad = {"content-type": "text/plain", "location": "/forts/1"}
    assert [f.path for f in header_failures(expected, bad, rules)] == [
        "header:content-type",
        "header:location",
        "header:x-n",
    ]


def test_status_by_status_code_rule_else_equal() -> None:
    success = {"$": rule({"match": "statusCode", "status": "success"})}
    assert status_failures(200, 201, success) == []
    assert [f.path for f in status_failures(200, 404, success)] == ["status"]
    assert status_failures(200, 200, None) == []
    assert status_failures(200, 202, None)[0].message == "status: expected 200, got 202"


def test_compare_reports_a_typed_rule_mismatch_with_its_path() -> None:
    spec = load_spec(SPEC)
    operation = spec.operation("getCastle")
    assert operation is not None
    castle = {
        "id": "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90",
        "name": "Versailles",
        "region": "IDF",
        "yearBuilt": 1623,
    }
    recorded = HttpResponse(status=200, headers={"content-type": "application/json"}, body=castle)
    actual = recorded.model_copy(update={"body": {**castle, "name": "Chambord"}})
    rules = {"body": {"$.id": rule({"match": "type"})}}
    [mismatch] = compare(spec, operation, recorded, actual, rules=rules)
    assert (mismatch.kind, mismatch.path) == (ErrorKind.RULE_MISMATCH, "$.name")
    assert (
        compare(
            spec, operation, recorded, actual, rules={"body": {"$.name": rule({"match": "type"})}}
        )
        == []
    )
    # Without rules (a recording of Entente's own) the structure rules apply: names may change.
    assert compare(spec, operation, recorded, actual) == []
