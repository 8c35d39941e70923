"""The ``Prefer`` header (RFC 7240) and the choice of a spec example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from entente_daemon.mock.answer.examples import (
    default_example,
    named_examples,
    parse_prefer,
    pick_example,
    schema_example,
    split_items,
)
from entente_daemon.openapi import Example, MediaType


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTENTE_HOME", str(tmp_path / "home"))


@pytest.mark.parametrize(
    ("headers", "code", "example", "dynamic"),
    [
        ([], None, None, False),
        (["code=404"], 404, None, False),
        (["code=404, example=notFound"], 404, "notFound", False),
        (["Code=404;strict", "example=a"], 404, "a", False),  # case, parameters, 2 headers
        (['example="with, comma \\"q\\""'], None, 'with, comma "q"', False),
        (["code=404, code=500"], 404, None, False),  # the first one counts
        (["respond-async, wait=10, code=201"], 201, None, False),  # unknown ones ignored
        (["dynamic=true"], None, None, True),
        (["dynamic"], None, None, True),
        (["dynamic=false"], None, None, False),
        (["  code = 200 "], 200, None, False),
    ],
)
def test_parse_prefer(
    headers: list[str], code: int | None, example: str | None, dynamic: bool
) -> None:
    prefs = parse_prefer(headers)
    assert (prefs.code, prefs.example, prefs.dynamic, prefs.problems) == (
        code,
        example,
        dynamic,
        (),
    )


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("code=abc", "Prefer: code='abc' is not an HTTP status code (100-599)"),
        ("code=99", "is not an HTTP status code"),
        ("code=600", "is not an HTTP status code"),
        ("example=", "Prefer: example= needs the name of an example"),
        ("dynamic=perhaps", "must be true or false"),
        ("example=a, dynamic=true", "contradict each other"),
    ],
)
def test_parse_prefer_problems(header: str, problem: str) -> None:
    prefs = parse_prefer([header])
    assert len(prefs.problems) == 1
    assert problem in prefs.problems[0]


def test_preference_applied_renders_tokens_and_quoted_strings() -> None:
    prefs = parse_prefer(['code=404, example="not found", dynamic=false'])
    assert prefs.applied("code", "example") == 'code=404, example="not found"'
    assert prefs.applied("dynamic") == "dynamic=false"
    assert parse_prefer([]).applied("code") is None


def test_split_items_keeps_quoted_commas() -> None:
    assert split_items('a=1, b="x,y" ,, c') == ["a=1", 'b="x,y"', "c"]


def _media(**fields: Any) -> MediaType:
    return MediaType(media_type="application/json", schema=fields.pop("schema", None), **fields)


def _no_refs(value: Any) -> Any:
    return value


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        (
            _media(
                examples={"remote": Example(external_value="x.json"), "a": Example(1)},
                example=Example(2),
                schema={"example": 3},
            ),
            ("a", 1, "example 'a'"),
        ),
        (
            _media(example=Example(2), schema={"example": 3}),
            (None, 2, "the media type's example"),
        ),
        (_media(schema={"example": 3}), (None, 3, "the schema's example")),
        (_media(schema={"examples": [4, 5]}), (None, 4, "the schema's example")),
        (_media(example=Example(None)), (None, None, "the media type's example")),
        (_media(schema={"type": "string"}), None),
        (_media(examples={"remote": Example(external_value="x.json")}), None),
    ],
)
def test_default_example_order(media: MediaType, expected: tuple[Any, ...] | None) -> None:
    chosen = default_example(media, _no_refs)
    if expected is None:
        assert chosen is None
    else:
        assert chosen is not None
        assert (chosen.name, chosen.value, chosen.label) == expected


def test_schema_example_follows_a_ref() -> None:
    schemas: dict[str | None, Any] = {"#/components/schemas/A": {"example": {"a": 1}}}

    def deref(schema: Any) -> Any:
        return schemas.get(schema.get("$ref"), schema) if isinstance(schema, dict) else schema

    assert schema_example({"$ref": "#/components/schemas/A"}, deref) == (True, {"a": 1})
    assert schema_example({"$ref": "#/nowhere"}, deref) == (False, None)

    def broken(schema: Any) -> Any:
        raise KeyError(schema)

    assert schema_example({"$ref": "#/x"}, broken) == (False, None)


def test_pick_example_by_name() -> None:
    media = _media(examples={"a": Example(1), "remote": Example(external_value="x")})
    picked = pick_example(media, "a")
    assert picked is not None
    assert picked.value == 1
    assert pick_example(media, "remote") is None
    assert pick_example(media, "b") is None
    assert named_examples(media) == ["a"]
