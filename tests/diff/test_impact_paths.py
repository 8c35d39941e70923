"""Body places (JSON pointers, ``*`` for array items): what a recorded body holds, whether a
change's place touches it, how it reads; and the fields a response schema describes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from entente_daemon.diff.body_paths import body_places, readable, touches
from entente_daemon.diff.coverage import schema_fields
from entente_daemon.openapi import load_spec_text


@pytest.mark.parametrize(
    ("body", "places"),
    [
        (None, set()),
        ("text", set()),
        (42, set()),
        ({}, set()),
        ([], set()),
        ({"region": "Normandie"}, {"/region"}),
        ([{"id": 1}, {"id": 2, "name": "x"}], {"/*", "/*/id", "/*/name"}),
        ({"tags": ["a", "b"]}, {"/tags", "/tags/*"}),
        ({"tags": []}, {"/tags"}),
        ({"a/b": {"c~d": 1}}, {"/a~1b", "/a~1b/c~0d"}),
        ({"matrix": [[1]]}, {"/matrix", "/matrix/*", "/matrix/*/*"}),
    ],
)
def test_body_places(body: Any, places: set[str]) -> None:
    assert body_places(body) == places


HELD = frozenset({"/*", "/*/id", "/*/region", "/*/address", "/*/address/city", "/tags/*"})


@pytest.mark.parametrize(
    ("pointer", "touched"),
    [
        ("/*/region", "/*/region"),  # the field itself
        ("/*/yearBuilt", None),  # a field the consumer never got
        ("/*/address", "/*/address"),
        ("/*/address/zip", None),
        ("/*/address/city", "/*/address/city"),
        ("/*", "/*"),  # the items as a whole
        ("", ""),  # the body as a whole
        ("/region", None),  # a root field: the recorded body is an array
        ("/*/*", "/*/id"),  # `*` in a change is any step; the shortest place is named
        ("/tags/*", "/tags/*"),
        ("/tags", "/tags/*"),  # a removed array: an item read inside it
    ],
)
def test_what_a_change_touches(pointer: str, touched: str | None) -> None:
    assert touches(pointer, HELD) == touched


def test_the_body_as_a_whole_touches_only_a_body_there_was() -> None:
    assert touches("", frozenset(), has_body=False) is None
    assert touches("", frozenset(), has_body=True) == ""


@pytest.mark.parametrize(
    ("pointer", "text"),
    [
        ("", "the body"),
        ("/region", "region"),
        ("/*/region", "[*].region"),
        ("/items/*/name", "items[*].name"),
        ("/tags/*", "tags[*]"),
        ("/a~1b", "a/b"),
    ],
)
def test_readable(pointer: str, text: str) -> None:
    assert readable(pointer) == text


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                },
            },
            "Tagged": {
                "allOf": [
                    {"$ref": "#/components/schemas/Named"},
                    {"properties": {"tags": {"type": "array", "items": {"type": "string"}}}},
                ]
            },
            "Named": {"properties": {"name": {"type": "string"}}},
            "Map": {
                "type": "object",
                "additionalProperties": {"$ref": "#/components/schemas/Named"},
            },
        }
    },
}


@pytest.mark.parametrize(
    ("schema", "fields"),
    [
        ("Node", ["/name", "/children", "/children/*"]),  # recursion stops where it comes round
        ("Tagged", ["/name", "/tags", "/tags/*"]),  # allOf merged; strings keep their `*`
        ("Map", ["/*/name"]),  # a map's values; object items are read through their fields
    ],
)
def test_schema_fields(schema: str, fields: list[str]) -> None:
    spec = load_spec_text(json.dumps(SPEC), "spec.json", validate=False)
    found = schema_fields(spec, {"$ref": f"#/components/schemas/{schema}"})
    assert found == fields
