"""Parameters deserialised by style and typed by schema, through `validate_request`.

The style cases are the OpenAPI specification's own style examples (``color`` as ``"blue"``,
``["blue", "black"]`` and ``{"R": 100, "G": 200, "B": 150}``), label read both as OpenAPI
3.1 writes it (``.blue,black``) and as 3.0's table does (``.blue.black``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from entente_daemon.mock.messages import MockRequest
from entente_daemon.mock.validation.params import ANY, Shape, coerce, cookies, shape_of
from entente_daemon.mock.validation.request import RequestCheck, validate_request
from entente_daemon.openapi import Spec, load_spec, load_spec_text

SPECS = Path(__file__).resolve().parents[1] / "specs"

BLUE = "blue"
ARRAY = ["blue", "black"]
OBJECT = {"R": 100, "G": 200, "B": 150}
SCHEMAS: dict[str, Any] = {
    "primitive": {"type": "string"},
    "array": {"type": "array", "items": {"type": "string"}},
    "object": {
        "type": "object",
        "properties": {name: {"type": "integer"} for name in "RGB"},
    },
}
EXPECTED = {"primitive": BLUE, "array": ARRAY, "object": OBJECT}


def one_operation(path: str, parameters: list[dict[str, Any]], version: str = "3.1.0") -> Spec:
    document = {
        "openapi": version,
        "info": {"title": "styles", "version": "1"},
        "paths": {
            path: {
                "get": {
                    "operationId": "probe",
                    "parameters": parameters,
                    "responses": {"204": {"description": "nothing"}},
                }
            }
        },
    }
    return load_spec_text(json.dumps(document), "openapi.json", validate=False)


def check(
    spec: Spec,
    path: str,
    query: str = "",
    headers: tuple[tuple[str, str], ...] = (),
    method: str = "GET",
) -> RequestCheck:
    found = spec.match(method, path)
    assert found.operation is not None, found
    request = MockRequest(method, path, query, headers)
    return validate_request(spec, found.operation, found.path_params, request)


def color(location: str, style: str, explode: bool, kind: str) -> dict[str, Any]:
    return {
        "name": "color",
        "in": location,
        "required": True,
        "style": style,
        "explode": explode,
        "schema": SCHEMAS[kind],
    }


@pytest.mark.parametrize(
    ("style", "explode", "kind", "raw"),
    [
        ("simple", False, "primitive", "blue"),
        ("simple", False, "array", "blue,black"),
        ("simple", False, "object", "R,100,G,200,B,150"),
        ("simple", True, "primitive", "blue"),
        ("simple", True, "array", "blue,black"),
        ("simple", True, "object", "R=100,G=200,B=150"),
        ("label", False, "primitive", ".blue"),
        ("label", False, "array", ".blue,black"),
        ("label", False, "array", ".blue.black"),
        ("label", False, "object", ".R,100,G,200,B,150"),
        ("label", False, "object", ".R.100.G.200.B.150"),
        ("label", True, "primitive", ".blue"),
        ("label", True, "array", ".blue.black"),
        ("label", True, "object", ".R=100.G=200.B=150"),
        ("matrix", False, "primitive", ";color=blue"),
        ("matrix", False, "array", ";color=blue,black"),
        ("matrix", False, "object", ";color=R,100,G,200,B,150"),
        ("matrix", True, "primitive", ";color=blue"),
        ("matrix", True, "array", ";color=blue;color=black"),
        ("matrix", True, "object", ";R=100;G=200;B=150"),
    ],
)
def test_path_styles(style: str, explode: bool, kind: str, raw: str) -> None:
    spec = one_operation("/paint/{color}", [color("path", style, explode, kind)])
    result = check(spec, "/paint/" + quote(raw, safe=";,=."))
    assert result.violations == ()
    assert result.path == {"color": EXPECTED[kind]}


@pytest.mark.parametrize(
    ("style", "explode", "kind", "query"),
    [
        ("form", False, "primitive", "color=blue"),
        ("form", False, "array", "color=blue,black"),
        ("form", False, "object", "color=R,100,G,200,B,150"),
        ("form", True, "primitive", "color=blue"),
        ("form", True, "array", "color=blue&color=black"),
        ("form", True, "object", "R=100&G=200&B=150"),
        ("spaceDelimited", False, "array", "color=blue%20black"),
        ("spaceDelimited", False, "array", "color=blue+black"),
        ("spaceDelimited", False, "object", "color=R%20100%20G%20200%20B%20150"),
        ("pipeDelimited", False, "array", "color=blue|black"),
        ("pipeDelimited", False, "array", "color=blue%7Cblack"),
        ("pipeDelimited", False, "object", "color=R|100|G|200|B|150"),
        ("deepObject", True, "object", "color[R]=100&color[G]=200&color[B]=150"),
        ("deepObject", True, "object", "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"),
    ],
)
def test_query_styles(style: str, explode: bool, kind: str, query: str) -> None:
    spec = one_operation("/paint", [color("query", style, explode, kind)])
    result = check(spec, "/paint", query + "&unrelated=1")
    assert result.violations == ()
    assert result.query == {"color": EXPECTED[kind]}


@pytest.mark.parametrize(
    ("explode", "kind", "values"),
    [
        (False, "primitive", ["blue"]),
        (False, "array", ["blue,black"]),
        (False, "array", ["blue, black"]),
        (False, "array", ["blue", "black"]),  # the header sent twice
        (False, "object", ["R,100,G,200,B,150"]),
        (True, "object", ["R=100,G=200,B=150"]),
    ],
)
def test_header_simple_style(explode: bool, kind: str, values: list[str]) -> None:
    parameter = {**color("header", "simple", explode, kind), "name": "X-Color"}
    spec = one_operation("/paint", [parameter])
    result = check(spec, "/paint", headers=tuple(("x-color", v) for v in values))
    assert result.violations == ()
    assert result.headers == {"X-Color": EXPECTED[kind]}


@pytest.mark.parametrize(
    ("explode", "kind", "cookie"),
    [
        (False, "primitive", "color=blue"),
        (True, "primitive", "theme=dark; color=blue"),
        (False, "array", "color=blue,black"),
        (True, "array", "color=blue; color=black"),
        (False, "object", "color=R,100,G,200,B,150"),
        (True, "object", "R=100; G=200; B=150"),
    ],
)
def test_cookie_form_style(explode: bool, kind: str, cookie: str) -> None:
    spec = one_operation("/paint", [color("cookie", "form", explode, kind)])
    result = check(spec, "/paint", headers=(("cookie", cookie),))
    assert result.violations == ()
    assert result.cookies == {"color": EXPECTED[kind]}


def test_values_are_typed_by_schema() -> None:
    parameters = [
        {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}}},
        {"name": "ratio", "in": "query", "schema": {"type": "number"}},
        {"name": "big", "in": "query", "schema": {"type": "integer"}},
        {"name": "open", "in": "query", "schema": {"type": "boolean"}},
        {"name": "label", "in": "query", "schema": {"type": "string"}},
        {"name": "maybe", "in": "query", "schema": {"type": ["integer", "null"]}},
        {"name": "ref", "in": "query", "schema": {"$ref": "#/components/schemas/Count"}},
    ]
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/p": {
                "get": {
                    "parameters": parameters,
                    "responses": {"204": {"description": "ok"}},
                }
            }
        },
        "components": {"schemas": {"Count": {"type": "integer", "minimum": 0}}},
    }
    spec = load_spec_text(json.dumps(document), "openapi.json", validate=False)
    query = "ids=1&ids=2&ratio=0.5&big=12345678901234567890&open=true&label=007&maybe=null&ref=3"
    result = check(spec, "/p", query)
    assert result.violations == ()
    assert result.query == {
        "ids": [1, 2],
        "ratio": 0.5,
        "big": 12345678901234567890,
        "open": True,
        "label": "007",
        "maybe": None,
        "ref": 3,
    }


@pytest.mark.parametrize(
    ("query", "name", "fragment"),
    [
        ("limit=abc", "limit", "query parameter 'limit' must be an integer ≥ 1 (got 'abc')"),
        ("limit=0", "limit", "must be an integer ≥ 1 (got '0')"),
        ("limit=1.0", "limit", "(got '1.0')"),
        ("ids=1,x", "ids", "must be an array of integers (got '1,x'): /1 must be an integer"),
        ("open=yes", "open", "must be a boolean (true or false) (got 'yes')"),
        ("kind=big", "kind", 'must be one of "small", "large" (got \'big\')'),
    ],
)
def test_parameter_violations_say_what_to_send(query: str, name: str, fragment: str) -> None:
    spec = one_operation(
        "/p",
        [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {
                "name": "ids",
                "in": "query",
                "explode": False,
                "schema": {"type": "array", "items": {"type": "integer"}},
            },
            {"name": "open", "in": "query", "schema": {"type": "boolean"}},
            {"name": "kind", "in": "query", "schema": {"enum": ["small", "large"]}},
        ],
    )
    result = check(spec, "/p", query)
    assert [(v.location, v.name) for v in result.violations] == [("query", name)]
    assert fragment in result.violations[0].message
    assert result.status == 400


def test_content_parameter_is_parsed_as_json() -> None:
    filter_schema = {
        "type": "object",
        "properties": {"region": {"type": "string"}, "since": {"type": "integer"}},
        "required": ["region"],
    }
    spec = one_operation(
        "/p",
        [
            {
                "name": "filter",
                "in": "query",
                "content": {"application/json": {"schema": filter_schema}},
            }
        ],
    )
    good = check(spec, "/p", "filter=" + quote('{"region":"Normandie","since":1000}'))
    assert good.violations == ()
    assert good.query == {"filter": {"region": "Normandie", "since": 1000}}
    malformed = check(spec, "/p", "filter=" + quote('{"region":'))
    assert len(malformed.violations) == 1
    assert "must be JSON (application/json)" in malformed.violations[0].message
    assert "column 11" in malformed.violations[0].message
    wrong = check(spec, "/p", "filter=" + quote('{"since":"x"}'))
    messages = [v.message for v in wrong.violations]
    assert len(messages) == 1
    assert "query parameter 'filter'" in messages[0]


def test_missing_required_and_unknown_parameters() -> None:
    spec = one_operation(
        "/p",
        [
            {"name": "limit", "in": "query", "required": True, "schema": {"type": "integer"}},
            {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "session", "in": "cookie", "required": True, "schema": {"type": "string"}},
            {"name": "page", "in": "query", "schema": {"type": "integer"}},
            # OpenAPI: header parameters named Accept, Content-Type or Authorization are ignored
            {"name": "Authorization", "in": "header", "required": True, "schema": {}},
        ],
    )
    result = check(spec, "/p", "unknown=1&other=x")
    assert [(v.location, v.name) for v in result.violations] == [
        ("query", "limit"),
        ("header", "X-Trace"),
        ("cookie", "session"),
    ]
    assert result.violations[0].message == (
        "query parameter 'limit' is required (an integer) but was not sent"
    )
    ok = check(
        spec,
        "/p",
        "limit=5",
        headers=(("x-trace", "abc"), ("cookie", "session=s1; other=2")),
    )
    assert ok.violations == ()
    assert ok.query == {"limit": 5}
    assert ok.headers == {"X-Trace": "abc"}
    assert ok.cookies == {"session": "s1"}


def test_allow_empty_value() -> None:
    spec = one_operation(
        "/p",
        [
            {"name": "flag", "in": "query", "allowEmptyValue": True, "schema": {"type": "integer"}},
            {"name": "count", "in": "query", "schema": {"type": "integer"}},
        ],
        version="3.0.3",
    )
    assert check(spec, "/p", "flag=").violations == ()
    assert [v.name for v in check(spec, "/p", "count=").violations] == ["count"]


SWAGGER_PARAMETERS = {
    "swagger": "2.0",
    "info": {"title": "formats", "version": "1"},
    "paths": {
        "/rooms/{ids}": {
            "get": {
                "operationId": "rooms",
                "parameters": [
                    {
                        "name": "ids",
                        "in": "path",
                        "required": True,
                        "type": "array",
                        "items": {"type": "integer"},
                    },
                    *(
                        {
                            "name": fmt,
                            "in": "query",
                            "type": "array",
                            "items": {"type": "integer"},
                            "collectionFormat": fmt,
                        }
                        for fmt in ("csv", "ssv", "tsv", "pipes", "multi")
                    ),
                    {
                        "name": "X-Floors",
                        "in": "header",
                        "type": "array",
                        "items": {"type": "integer"},
                    },
                    {"name": "lit", "in": "query", "type": "boolean", "required": True},
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}


def test_swagger2_collection_formats() -> None:
    spec = load_spec_text(json.dumps(SWAGGER_PARAMETERS), "swagger.json", validate=False)
    query = "csv=1,2&ssv=3%204&tsv=5%096&pipes=7|8&multi=9&multi=10&lit=false"
    result = check(spec, "/rooms/1,2,3", query, headers=(("x-floors", "0,1"),))
    assert result.violations == ()
    assert result.path == {"ids": [1, 2, 3]}
    assert result.query == {
        "csv": [1, 2],
        "ssv": [3, 4],
        "tsv": [5, 6],
        "pipes": [7, 8],
        "multi": [9, 10],
        "lit": False,
    }
    assert result.headers == {"X-Floors": [0, 1]}
    bad = check(spec, "/rooms/1,x", "pipes=7,8")
    assert [(v.location, v.name) for v in bad.violations] == [
        ("path", "ids"),
        ("query", "pipes"),
        ("query", "lit"),
    ]


def test_swagger2_spec_file_parameters() -> None:
    spec = load_spec(SPECS / "swagger2.yaml")
    listing = check(spec, "/v1/castles", "tags=a&tags=b&region=Normandie")
    assert listing.violations == ()
    assert listing.query == {"tags": ["a", "b"], "region": "Normandie"}
    portrait = check(spec, "/v1/castles/abc/portrait", method="PUT")
    assert [(v.location, v.name) for v in portrait.violations] == [("path", "id"), ("body", None)]
    assert "must be an integer (got 'abc')" in portrait.violations[0].message


def test_shapes_follow_refs_and_combinators() -> None:
    spec = one_operation("/p", [])
    shape = shape_of(
        {
            "allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}}],
            "anyOf": [{"properties": {"b": {"type": "array", "items": {"type": "number"}}}}],
        },
        spec.deref,
    )
    assert shape.kind == "object"
    assert shape.property("a").types == frozenset({"integer"})
    assert shape.property("b").kind == "array"
    assert shape.property("zzz") is ANY
    assert shape_of({"$ref": "#/components/schemas/Nowhere"}, spec.deref) is ANY


@pytest.mark.parametrize(
    ("text", "types", "expected"),
    [
        ("12", {"integer"}, 12),
        ("-3", {"number"}, -3),
        ("2.5e3", {"number"}, 2500.0),
        ("1.5", {"integer"}, "1.5"),
        ("nan", {"number"}, "nan"),
        ("true", {"boolean"}, True),
        ("True", {"boolean"}, "True"),
        ("12", {"string", "integer"}, "12"),
        ("null", {"null", "integer"}, None),
        ("x", set(), "x"),
    ],
)
def test_coerce(text: str, types: set[str], expected: Any) -> None:
    value = coerce(text, Shape(frozenset(types)))
    assert value == expected
    assert type(value) is type(expected)


def test_cookie_header_parsing() -> None:
    assert cookies(['a=1; b="two words"', "a=3;c=", "junk"]) == {
        "a": ["1", "3"],
        "b": ["two words"],
        "c": [""],
    }
