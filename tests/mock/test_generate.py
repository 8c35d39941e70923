"""Data generated from schemas: valid in both dialects and directions, deterministic, bounded.

Every generated value is checked with ``validator_for`` against the whole OpenAPI document
(refs resolved through a registry), independently of the generator's own validation.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pytest

from entente_daemon.mock.generate.generator import SchemaCache, generate, generate_checked
from entente_daemon.mock.generate.schema_validation import (
    DocumentValidation,
    assemble_document,
    describe,
    validator_for,
)
from entente_daemon.openapi.formats import format_checker

Dialect = Literal["3.0", "3.1"]
Direction = Literal["request", "response"]

SEEDS: tuple[int | str | bytes, ...] = (*range(10), "GET /castles/42", b"\x00\xff")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


COMMON_SCHEMAS: dict[str, Any] = {
    "Castle": {
        "allOf": [
            ref("CastleCreate"),
            {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string", "format": "uuid", "readOnly": True},
                    "keeper": ref("Dragon"),
                    "built": {"type": "string", "format": "date"},
                    "towers": {"type": "integer", "minimum": 1, "maximum": 12},
                    "updatedAt": {"type": "string", "format": "date-time", "readOnly": True},
                },
            },
        ]
    },
    "CastleCreate": {
        "type": "object",
        "required": ["name", "region"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "region": ref("Region"),
            "password": {"type": "string", "format": "password", "writeOnly": True},
        },
    },
    "Region": {"type": "string", "enum": ["Île-de-France", "Normandie", "Bretagne"]},
    "Dragon": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "lair": ref("Castle")},
    },
    "Node": {
        "type": "object",
        "required": ["label", "children"],
        "properties": {
            "label": {"type": "string"},
            "children": {"type": "array", "items": ref("Node")},
        },
    },
    "Ping": {"type": "object", "properties": {"pong": ref("Pong"), "n": {"type": "integer"}}},
    "Pong": {"type": "object", "properties": {"ping": ref("Ping"), "s": {"type": "string"}}},
    "Pet": {
        "oneOf": [ref("Cat"), ref("Dog")],
        "discriminator": {
            "propertyName": "petType",
            "mapping": {"cat": "#/components/schemas/Cat", "dog": "Dog"},
        },
    },
    "PetByName": {"oneOf": [ref("Cat"), ref("Dog")], "discriminator": {"propertyName": "petType"}},
    "Cat": {
        "type": "object",
        "required": ["petType", "name"],
        "properties": {
            "petType": {"type": "string"},
            "name": {"type": "string"},
            "hunts": {"type": "boolean"},
        },
    },
    "Dog": {
        "type": "object",
        "required": ["petType", "name"],
        "properties": {
            "petType": {"type": "string"},
            "name": {"type": "string"},
            "barks": {"type": "boolean"},
        },
    },
    "Animal": {
        "type": "object",
        "required": ["kind"],
        "discriminator": {"propertyName": "kind"},
        "properties": {"kind": {"type": "string"}},
    },
    "Bird": {"allOf": [ref("Animal"), {"properties": {"wings": {"type": "integer"}}}]},
    "Shape": {
        "type": "object",
        "properties": {"radius": {"type": "number"}, "side": {"type": "number"}},
        "oneOf": [{"required": ["radius"]}, {"required": ["side"]}],
    },
    "Money": {
        "type": "object",
        "required": ["amount", "currency"],
        "properties": {
            "amount": {"type": "number", "multipleOf": 0.01, "minimum": 0},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
    },
}

DOCUMENTS: dict[str, dict[str, Any]] = {
    "3.0": {
        "openapi": "3.0.3",
        "info": {"title": "castles", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                **COMMON_SCHEMAS,
                "Category": {
                    "type": "object",
                    "required": ["name", "parent"],
                    "properties": {
                        "name": {"type": "string"},
                        "parent": {
                            "type": "object",
                            "nullable": True,
                            "required": ["name"],
                            "properties": {
                                "name": {"type": "string"},
                                "parent": ref("Category"),
                            },
                        },
                    },
                },
            }
        },
    },
    "3.1": {
        "openapi": "3.1.0",
        "info": {"title": "castles", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                **COMMON_SCHEMAS,
                "Category": {
                    "type": "object",
                    "required": ["name", "parent"],
                    "properties": {
                        "name": {"type": "string"},
                        "parent": {"anyOf": [ref("Category"), {"type": "null"}]},
                    },
                },
            }
        },
    },
}


def resolver(dialect: str) -> Any:
    document = DOCUMENTS[dialect]

    def resolve(reference: str) -> Mapping[str, Any]:
        node: Any = document
        for part in reference.removeprefix("#/").split("/"):
            node = node[part]
        return node  # type: ignore[no-any-return]

    return resolve


# name, dialect (None: both), schema
CASES: list[tuple[str, str | None, Any]] = [
    # types
    ("string", None, {"type": "string"}),
    ("integer", None, {"type": "integer"}),
    ("number", None, {"type": "number"}),
    ("boolean", None, {"type": "boolean"}),
    ("array", None, {"type": "array", "items": {"type": "integer"}}),
    ("object", None, {"type": "object", "properties": {"a": {"type": "string"}}}),
    ("null", "3.1", {"type": "null"}),
    ("type-list", "3.1", {"type": ["string", "null"], "minLength": 2}),
    ("type-list-integer", "3.1", {"type": ["null", "integer"], "minimum": 3}),
    ("nullable", "3.0", {"type": "string", "nullable": True, "maxLength": 4}),
    ("untyped-object", None, {"properties": {"x": {"type": "integer"}}, "required": ["x"]}),
    ("untyped-array", None, {"items": {"type": "string"}, "minItems": 2}),
    ("untyped-number", None, {"minimum": 3, "maximum": 4}),
    ("untyped-string", None, {"minLength": 3, "maxLength": 3}),
    ("untyped-format", None, {"format": "uuid"}),
    ("anything", None, {}),
    ("boolean-schemas", "3.1", {"type": "object", "properties": {"x": True, "y": False}}),
    # enum, const, examples, defaults
    ("enum", None, {"type": "string", "enum": ["a", "b", "c"]}),
    ("enum-mixed", "3.1", {"enum": [1, "two", None]}),
    ("enum-nullable", "3.0", {"type": "string", "nullable": True, "enum": ["x", None]}),
    ("const", "3.1", {"const": "fixed"}),
    (
        "const-property",
        "3.1",
        {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "castle"}}},
    ),
    ("example", "3.0", {"type": "string", "example": "hello"}),
    ("example-invalid", "3.0", {"type": "string", "maxLength": 3, "example": "too long"}),
    ("examples", "3.1", {"type": "string", "examples": ["toolong", "ok"], "maxLength": 3}),
    ("default", None, {"type": "integer", "minimum": 5, "default": 7}),
    ("default-invalid", None, {"type": "integer", "minimum": 5, "default": 1}),
    # strings
    ("length", None, {"type": "string", "minLength": 5, "maxLength": 8}),
    ("length-zero", None, {"type": "string", "maxLength": 0}),
    ("length-long", None, {"type": "string", "minLength": 60}),
    ("pattern-code", None, {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"}),
    ("pattern-unanchored", None, {"type": "string", "pattern": "\\d{2}", "minLength": 12}),
    ("pattern-alternation", None, {"type": "string", "pattern": "^(red|green|blue)(-\\d)?$"}),
    ("pattern-length", None, {"type": "string", "pattern": "^[a-z]+$", "minLength": 20}),
    ("pattern-lookahead", None, {"type": "string", "pattern": "^(?=.*\\d)[a-z\\d]{8,12}$"}),
    ("pattern-backref", None, {"type": "string", "pattern": "^(ab|cd)-\\1$"}),
    ("pattern-negated", None, {"type": "string", "pattern": "^[^0-9\\s]{4}$"}),
    ("pattern-two", None, {"allOf": [{"pattern": "^[a-z]"}, {"pattern": "[0-9]$"}]}),
    ("pattern-format", None, {"type": "string", "format": "email", "pattern": "@example\\.com$"}),
    ("pattern-unicode", None, {"type": "string", "pattern": "^[à-ÿ]{3,5}$"}),
    # numbers
    ("range", None, {"type": "integer", "minimum": 10, "maximum": 20}),
    ("negative", None, {"type": "integer", "maximum": -5}),
    (
        "exclusive-3.0",
        "3.0",
        {
            "type": "integer",
            "minimum": 0,
            "exclusiveMinimum": True,
            "maximum": 2,
            "exclusiveMaximum": True,
        },
    ),
    ("exclusive-3.0-number", "3.0", {"type": "number", "maximum": 0, "exclusiveMaximum": True}),
    ("exclusive-3.1", "3.1", {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2}),
    ("exclusive-3.1-number", "3.1", {"type": "number", "exclusiveMinimum": 0.1, "maximum": 0.2}),
    ("cents", None, {"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 5}),
    ("cents-unbounded", None, {"type": "number", "multipleOf": 0.01}),
    ("halves", None, {"type": "number", "multipleOf": 0.5, "minimum": -1, "maximum": 1}),
    ("sevens", None, {"type": "integer", "multipleOf": 7}),
    ("fractional-step-integer", None, {"type": "integer", "multipleOf": 0.5}),
    ("int32", None, {"type": "integer", "format": "int32", "minimum": 2147483000}),
    ("int64", None, {"type": "integer", "format": "int64", "minimum": 9007199254740993}),
    ("float", None, {"type": "number", "format": "float"}),
    ("double", None, {"type": "number", "format": "double", "maximum": -1000000}),
    ("tiny-range", None, {"type": "number", "minimum": 0.1, "maximum": 0.2}),
    # arrays
    ("items-bounds", None, {"type": "array", "items": {"type": "string"}, "minItems": 3}),
    ("items-max", None, {"type": "array", "items": {"type": "string"}, "maxItems": 1}),
    ("items-none", None, {"type": "array", "items": {"type": "string"}, "maxItems": 0}),
    (
        "unique-enum",
        None,
        {
            "type": "array",
            "items": {"type": "string", "enum": ["r", "g", "b"]},
            "uniqueItems": True,
            "minItems": 3,
        },
    ),
    (
        "unique-boolean",
        None,
        {"type": "array", "items": {"type": "boolean"}, "uniqueItems": True, "minItems": 2},
    ),
    (
        "unique-example",
        None,
        {
            "type": "array",
            "items": {"type": "integer", "example": 4},
            "uniqueItems": True,
            "minItems": 3,
        },
    ),
    (
        "prefix-items",
        "3.1",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "integer"}],
            "items": False,
        },
    ),
    (
        "prefix-then-items",
        "3.1",
        {
            "type": "array",
            "prefixItems": [{"type": "string", "format": "date"}],
            "items": {"type": "boolean"},
            "minItems": 3,
        },
    ),
    (
        "contains",
        "3.1",
        {"type": "array", "items": {"type": "integer"}, "contains": {"minimum": 100}},
    ),
    # objects
    (
        "closed",
        None,
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
            "additionalProperties": False,
        },
    ),
    ("map", None, {"type": "object", "additionalProperties": {"type": "integer"}}),
    (
        "min-properties",
        None,
        {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "additionalProperties": {"type": "integer", "minimum": 0},
            "minProperties": 3,
        },
    ),
    (
        "pattern-properties",
        None,
        {
            "type": "object",
            "patternProperties": {"^x-[a-z]+$": {"type": "integer"}},
            "additionalProperties": False,
            "minProperties": 2,
        },
    ),
    (
        "max-properties",
        None,
        {
            "type": "object",
            "required": ["b"],
            "properties": {n: {"type": "string"} for n in "abc"},
            "maxProperties": 2,
        },
    ),
    ("required-undeclared", None, {"type": "object", "required": ["free"]}),
    (
        "property-names",
        "3.1",
        {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z]{3}$"},
            "additionalProperties": {"type": "integer"},
            "minProperties": 2,
        },
    ),
    (
        "dependent-required",
        "3.1",
        {
            "type": "object",
            "properties": {"card": {"type": "string"}},
            "required": ["card"],
            "dependentRequired": {"card": ["billing"]},
        },
    ),
    # allOf
    ("castle", None, ref("Castle")),
    ("castle-create", None, ref("CastleCreate")),
    (
        "all-of-nested",
        None,
        {
            "allOf": [
                {"type": "integer", "minimum": 3},
                {"maximum": 6},
                {"allOf": [{"multipleOf": 2}, {"not": {"enum": [6]}}]},
            ]
        },
    ),
    ("all-of-enum", None, {"allOf": [ref("Region"), {"enum": ["Bretagne", "Corse"]}]}),
    (
        "all-of-closed-member",
        None,
        {
            "allOf": [
                {
                    "type": "object",
                    "properties": {"a": {"type": "string"}},
                    "additionalProperties": False,
                },
                {"properties": {"b": {"type": "string"}}},
            ]
        },
    ),
    ("all-of-money", None, {"allOf": [ref("Money"), {"properties": {"amount": {"maximum": 9}}}]}),
    # oneOf, anyOf, not
    ("discriminator-mapping", None, ref("Pet")),
    ("discriminator-by-name", None, ref("PetByName")),
    ("discriminator-parent", None, ref("Bird")),
    ("one-of-overlap", None, ref("Shape")),
    ("one-of-integer-number", None, {"oneOf": [{"type": "integer"}, {"type": "number"}]}),
    (
        "one-of-strings",
        None,
        {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "string", "minLength": 2}]},
    ),
    ("any-of", None, {"anyOf": [{"type": "string", "format": "date"}, {"type": "integer"}]}),
    ("not-type", None, {"not": {"type": "string"}}),
    ("not-enum", None, {"type": "integer", "minimum": 1, "maximum": 3, "not": {"enum": [1, 2]}}),
    ("not-pattern", None, {"type": "string", "pattern": "^[ab]{2}$", "not": {"enum": ["aa"]}}),
    # references and recursion
    ("tree", None, ref("Node")),
    ("mutual", None, ref("Ping")),
    ("required-recursive", None, ref("Category")),
    ("array-of-refs", None, {"type": "array", "items": ref("Dragon"), "minItems": 2}),
    ("ref-sibling", "3.1", {"$ref": "#/components/schemas/Region", "description": "where"}),
]


def dialect_cases() -> Iterator[Any]:
    for name, only, schema in CASES:
        for dialect in ("3.0", "3.1"):
            if only in (None, dialect):
                yield pytest.param(dialect, schema, id=f"{dialect}-{name}")


def check(
    schema: Any, value: Any, dialect: Dialect, direction: Direction | None = "response"
) -> list[str]:
    validator = validator_for(
        schema, resolve_document=DOCUMENTS[dialect], dialect=dialect, direction=direction
    )
    return describe(validator.iter_errors(value))


def make(
    schema: Any,
    dialect: Dialect = "3.0",
    seed: int | str | bytes = 0,
    direction: Direction = "response",
) -> Any:
    return generate(
        schema, resolve=resolver(dialect), seed=seed, direction=direction, dialect=dialect
    )


@pytest.mark.parametrize("direction", ["response", "request"])
@pytest.mark.parametrize(("dialect", "schema"), list(dialect_cases()))
def test_every_value_validates(dialect: Dialect, schema: Any, direction: Direction) -> None:
    cache = SchemaCache()
    for seed in SEEDS:
        value, problems = generate_checked(
            schema,
            resolve=resolver(dialect),
            seed=seed,
            direction=direction,
            dialect=dialect,
            cache=cache,
        )
        assert check(schema, value, dialect, direction) == [], (seed, value)
        assert problems == [], (seed, value)


def test_the_schema_is_not_changed() -> None:
    before = copy.deepcopy(DOCUMENTS)
    for _name, only, schema in CASES:
        for dialect in ("3.0", "3.1"):
            if only in (None, dialect):
                make(schema, dialect)
    assert before == DOCUMENTS, "generation changed a schema"


# --------------------------------------------------------------------------- formats

FORMAT_PARSERS: dict[str, Any] = {
    "uuid": lambda v: uuid.UUID(v).version == 4 and str(uuid.UUID(v)) == v,
    "date": lambda v: date.fromisoformat(v).year >= 2024,
    "date-time": lambda v: datetime.fromisoformat(v).tzinfo is not None and "T" in v,
    "time": lambda v: re.fullmatch(r"\d{2}:\d{2}:\d{2}Z", v),
    "email": lambda v: re.fullmatch(r"[a-z]+\.[a-z]+@example\.com", v),
    "uri": lambda v: urlsplit(v).scheme == "https" and urlsplit(v).netloc == "example.com",
    "url": lambda v: urlsplit(v).scheme == "https",
    "hostname": lambda v: v.endswith(".example.com"),
    "ipv4": lambda v: ipaddress.IPv4Address(v).is_private,  # documentation ranges
    "ipv6": lambda v: ipaddress.IPv6Address(v) in ipaddress.IPv6Network("2001:db8::/32"),
    "byte": lambda v: base64.b64encode(base64.b64decode(v, validate=True)).decode() == v,
    "binary": lambda v: bytes.fromhex(v),
    "password": lambda v: len(v) >= 8,
    "x-unknown": lambda v: isinstance(v, str) and v,
}


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
@pytest.mark.parametrize("fmt", sorted(FORMAT_PARSERS))
def test_formats_are_real(fmt: str, dialect: Dialect) -> None:
    schema = {"type": "string", "format": fmt}
    values = {make(schema, dialect, seed) for seed in SEEDS}
    for value in values:
        assert FORMAT_PARSERS[fmt](value), value
        assert check(schema, value, dialect) == []
    assert len(values) > 1, "different seeds, same value"


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("uuid", "0b6f5c1e-58c4-4c4e-9b51-0f6a1bd1f0a7", "0b6f5c1e58c44c4e9b510f6a1bd1f0a7"),
        ("date", "2024-02-29", "2023-02-29"),
        ("date-time", "2024-05-01T12:00:00Z", "2024-05-01 12:00:00"),
        ("date-time", "2024-05-01T12:00:00.5+02:00", "2024-05-01T25:00:00Z"),
        ("time", "12:00:00Z", "12:60:00"),
        ("email", "user@example.com", "user@"),
        ("email", "user@example.com", "us er@example.com"),
        ("ipv4", "192.0.2.1", "192.0.2.256"),
        ("ipv6", "2001:db8::1", "2001:db8:::1"),
        ("hostname", "castle.example.com", "-castle.example.com"),
        ("uri", "https://example.com/a", "/relative/path"),
        ("uri", "urn:isbn:0451450523", "https://exa mple.com"),
        ("byte", "aGVsbG8=", "aGVsbG8"),
        ("int32", 2147483647, 2147483648),
    ],
)
def test_format_checker_really_checks(fmt: str, good: Any, bad: Any, dialect: Dialect) -> None:
    checker = format_checker(dialect)
    assert checker.conforms(good, fmt)
    assert not checker.conforms(bad, fmt)


def test_binary_strings_are_accepted_in_3_0() -> None:
    # openapi-schema-validator's own check only accepts Python bytes
    assert check({"type": "string", "format": "binary"}, "raw", "3.0") == []


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_value() -> None:
    for seed in SEEDS:
        assert make(ref("Castle"), seed=seed) == make(ref("Castle"), seed=seed)


@pytest.mark.parametrize(
    "schema",
    [{"type": "string"}, {"type": "integer"}, {"type": "number"}, ref("Castle")],
    ids=["string", "integer", "number", "castle"],
)
def test_different_seeds_differ(schema: Any) -> None:
    values = [json.dumps(make(schema, seed=seed), sort_keys=True) for seed in range(10)]
    assert len(set(values)) >= 8


def test_same_value_in_another_process() -> None:
    script = (
        "import json, sys\n"
        "from tests.mock.test_generate import make, ref\n"
        "print(json.dumps(make(ref('Castle'), '3.1', 'GET /castles/42'), sort_keys=True))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},  # str hashes differ from this process
        cwd=Path(__file__).resolve().parents[2],
    )
    here = json.dumps(make(ref("Castle"), "3.1", "GET /castles/42"), sort_keys=True)
    assert json.loads(done.stdout) == json.loads(here)


def test_shared_cache_changes_nothing() -> None:
    cache = SchemaCache()
    for seed in SEEDS:
        cached = generate(ref("Castle"), resolve=resolver("3.0"), seed=seed, cache=cache)
        assert cached == make(ref("Castle"), seed=seed)


# --------------------------------------------------------------------------- direction


def test_read_only_left_out_of_requests() -> None:
    for seed in SEEDS:
        request = make(ref("Castle"), seed=seed, direction="request")
        response = make(ref("Castle"), seed=seed, direction="response")
        assert "id" not in request, "required, but readOnly: not sent in requests"
        assert "updatedAt" not in request
        assert "password" in request
        assert "id" in response
        assert "updatedAt" in response
        assert "password" not in response


def test_request_validator_rejects_read_only() -> None:
    response = make(ref("Castle"))
    assert check(ref("Castle"), response, "3.0", "request") != []
    assert check(ref("Castle"), response, "3.1", "request") != []


def test_required_read_only_in_3_1_request() -> None:
    # plain JSON Schema would demand the required "id"; OpenAPI's direction rules do not
    request = make(ref("Castle"), "3.1", direction="request")
    assert check(ref("Castle"), request, "3.1", "request") == []
    assert check(ref("Castle"), request, "3.1", None) != []


# --------------------------------------------------------------------------- recursion


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
@pytest.mark.parametrize("name", ["Node", "Ping", "Castle", "Category", "Dragon"])
def test_recursion_ends_shallow(name: str, dialect: Dialect) -> None:
    for seed in SEEDS:
        value = make(ref(name), dialect, seed)
        assert depth(value) <= 12, value
        assert check(ref(name), value, dialect) == []


def test_tree_has_children_then_stops() -> None:
    tree = make(ref("Node"), seed=3)
    assert tree["children"], "the root has children"
    leaves = tree["children"]
    while leaves and leaves[0]["children"]:
        leaves = leaves[0]["children"]
    assert leaves == [] or leaves[0]["children"] == []


ENDLESS: dict[str, Any] = {
    "Loop": {"type": "object", "required": ["next"], "properties": {"next": ref("Loop")}},
    "Binary": {
        "type": "object",
        "required": ["left", "right"],
        "properties": {"left": ref("Binary"), "right": ref("Binary")},
    },
    "Expr": {"oneOf": [ref("Pair")]},
    "Pair": {"type": "array", "minItems": 2, "items": ref("Expr")},
}


@pytest.mark.timeout(10)
@pytest.mark.parametrize("name", sorted(ENDLESS))
def test_recursion_that_cannot_end_is_reported(name: str) -> None:
    value, problems = generate_checked(
        ref(name), resolve=lambda r: ENDLESS[r.rsplit("/", 1)[1]], seed=0
    )
    assert any("recurses without end" in p for p in problems), problems
    assert depth(value) <= 12


# --------------------------------------------------------------------------- examples


def test_valid_example_is_used() -> None:
    schema = {"type": "string", "format": "email", "example": "castle@example.org"}
    assert make(schema) == "castle@example.org"


def test_invalid_example_is_ignored() -> None:
    schema = {"type": "integer", "minimum": 10, "example": 3, "default": 12}
    assert make(schema) == 12
    assert make({"type": "integer", "minimum": 10, "example": 3}) >= 10


def test_first_valid_of_examples_3_1() -> None:
    schema = {"type": "string", "maxLength": 3, "examples": ["long one", "abc", "xyz"]}
    assert make(schema, "3.1") == "abc"


def test_example_of_a_referenced_schema() -> None:
    schemas = {"Id": {"type": "string", "pattern": "^c-\\d+$", "example": "c-42"}}
    value = generate(
        {"type": "object", "required": ["id"], "properties": {"id": ref("Id")}},
        resolve=lambda r: schemas[r.rsplit("/", 1)[1]],
        seed=1,
    )
    assert value == {"id": "c-42"}


def test_object_example_loses_read_only_in_requests() -> None:
    example = {"id": "0b6f5c1e-58c4-4c4e-9b51-0f6a1bd1f0a7", "name": "Brest", "region": "Bretagne"}
    schema = {"allOf": [ref("Castle")], "example": example}
    assert make(schema, direction="response") == example
    assert make(schema, direction="request") == {"name": "Brest", "region": "Bretagne"}


# --------------------------------------------------------------------------- oneOf


def branch_matches(schema: Any, value: Any, dialect: Dialect) -> int:
    return sum(check(branch, value, dialect, None) == [] for branch in schema["oneOf"])


@pytest.mark.parametrize("dialect", ["3.0", "3.1"])
def test_one_of_matches_exactly_one_branch(dialect: Dialect) -> None:
    shape = COMMON_SCHEMAS["Shape"]
    numbers = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    for seed in SEEDS:
        value = make(shape, dialect, seed)
        assert branch_matches(shape, value, dialect) == 1, value
        assert branch_matches(numbers, make(numbers, dialect, seed), dialect) == 1


def test_discriminator_values() -> None:
    assert make(ref("Pet"))["petType"] == "cat"
    assert make(ref("PetByName"))["petType"] == "Cat"
    assert make(ref("Bird"))["kind"] == "Bird"


def test_discriminator_picks_the_schema() -> None:
    # the validator follows the discriminator: a dog value under "cat" is checked as a Cat
    dog = {"petType": "cat", "name": "Rex", "barks": "loudly"}
    assert check(ref("Pet"), dog, "3.0") == []
    assert check(ref("Pet"), {"petType": "cat", "name": 1}, "3.0") != []
    assert check(ref("Pet"), {"petType": "cow", "name": "x"}, "3.0") != []


# --------------------------------------------------------------------------- patterns


@pytest.mark.parametrize(
    "pattern",
    [
        "^[A-Z]{2}\\d{2}[A-Z0-9]{4,30}$",
        "^\\+?[1-9]\\d{1,14}$",
        "^[a-z0-9-]+(\\.[a-z0-9-]+)*$",
        "^v\\d+\\.\\d+\\.\\d+(-[a-z]+)?$",
        "^#[0-9a-fA-F]{6}$",
        "^(?:[01]\\d|2[0-3]):[0-5]\\d$",
        "[aeiou]",
        "^\\S+$",
        "^.{3}$",
    ],
)
def test_pattern_strings_match(pattern: str) -> None:
    schema = {"type": "string", "pattern": pattern}
    values = {make(schema, seed=seed) for seed in SEEDS}
    for value in values:
        assert re.search(pattern, value), value
    assert len(values) > 1


def test_impossible_pattern_is_reported() -> None:
    schema = {"type": "string", "pattern": "^[a-z]{3}$", "minLength": 5}
    value, problems = generate_checked(schema, resolve=resolver("3.0"), seed=0)
    assert isinstance(value, str)
    assert any("does not match" in p or "too short" in p for p in problems), problems


# --------------------------------------------------------------------------- odd schemas


@pytest.mark.parametrize(
    "schema",
    [
        {"allOf": [{"type": "integer", "minimum": 10}, {"maximum": 5}]},
        {"allOf": [{"type": "string"}, {"type": "integer"}]},
        {"allOf": [{"enum": ["a"]}, {"enum": ["b"]}]},
        {"type": "string", "minLength": 5, "maxLength": 2},
        {"type": "array", "items": {"enum": [1]}, "uniqueItems": True, "minItems": 2},
        {"$ref": "#/components/schemas/Missing"},
        {"not": {}},
        {"type": "string", "pattern": "(unclosed"},
    ],
    ids=[
        "bounds",
        "types",
        "enums",
        "lengths",
        "unique",
        "missing-ref",
        "not-anything",
        "bad-pattern",
    ],
)
def test_unsatisfiable_schemas_are_reported_not_raised(schema: Any) -> None:
    value, problems = generate_checked(schema, resolve=resolver("3.1"), seed=0, dialect="3.1")
    assert problems, value


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "nonsense"},
        {"allOf": "not a list"},
        {"items": 5, "type": "array"},
        {"properties": [], "type": "object"},
        {"$ref": 12},
        {"oneOf": []},
        {"enum": []},
        {"type": "integer", "minimum": "ten"},
        {"discriminator": {"propertyName": "x"}, "oneOf": [{"type": "string"}]},
        False,
    ],
)
def test_odd_schemas_never_raise(schema: Any) -> None:
    for dialect in ("3.0", "3.1"):
        generate(schema, resolve=resolver(dialect), seed=0, dialect=dialect)
        _, problems = generate_checked(schema, resolve=resolver(dialect), seed=0)
        assert isinstance(problems, list)


def test_resolver_errors_are_reported() -> None:
    def broken(reference: str) -> Mapping[str, Any]:
        raise KeyError(reference)

    value, problems = generate_checked(ref("Castle"), resolve=broken, seed=0)
    assert any("does not resolve" in p for p in problems), problems


def test_assembled_document_validates_like_the_real_one() -> None:
    names = ["Castle", "CastleCreate", "Dragon", "Region"]
    document = assemble_document([f"#/components/schemas/{n}" for n in names], resolver("3.0"))
    assert document["components"]["schemas"]["Castle"] is COMMON_SCHEMAS["Castle"]
    validation = DocumentValidation(document, dialect="3.0", direction="request")
    castle = make(ref("Castle"))
    real = check(ref("Castle"), castle, "3.0", "request")
    assert real != []
    assert validation.problems(castle, ref("Castle")) == real


def test_unevaluated_properties_through_references() -> None:
    schema = {"allOf": [ref("CastleCreate")], "unevaluatedProperties": False}
    value, problems = generate_checked(schema, resolve=resolver("3.1"), seed=1, dialect="3.1")
    assert problems == []
    assert check(schema, value, "3.1") == []
    assert check(schema, {**value, "moat": True}, "3.1") != []
