"""Changes that look like breaks and are not: none of these may report anything breaking (most
report nothing at all). Also: recursive schemas, Swagger 2.0 against the same API in 3.0, and
file and line on a multi-file spec."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.diff import Level, diff_operations, diff_specs
from entente_daemon.openapi.loader import load_spec
from tests.diff.test_rules import (
    BASE,
    Doc,
    _del,
    _set,
    castle,
    diff,
    load,
    new_castle,
    op,
    param,
    schemas,
)

pytestmark = pytest.mark.usefixtures("home")

SPECS = Path(__file__).resolve().parents[1] / "specs"


def _rename_component(d: Doc) -> None:
    body = schemas(d).pop("Castle")
    schemas(d)["Fortress"] = body
    _retarget(d, "#/components/schemas/Castle", "#/components/schemas/Fortress")


def _retarget(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        if node.get("$ref") == old:
            node["$ref"] = new
        for value in node.values():
            _retarget(value, old, new)
    elif isinstance(node, list):
        for value in node:
            _retarget(value, old, new)


def _reorder(d: Doc) -> None:
    props = castle(d)
    items = list(props.items())
    props.clear()
    props.update(reversed(items))
    d["paths"] = dict(reversed(list(d["paths"].items())))


def _inline_component(d: Doc) -> None:
    _set(
        op(d, "/castles/{id}", "get")["responses"]["200"]["content"]["application/json"],
        "schema",
        copy.deepcopy(BASE["components"]["schemas"]["Castle"]),
    )


def _allof_split(d: Doc) -> None:
    whole = schemas(d)["Castle"]
    props = whole["properties"]
    schemas(d)["CastleBase"] = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": props.pop("id"), "name": props.pop("name")},
    }
    whole["required"] = ["region"]
    schemas(d)["Castle"] = {"allOf": [{"$ref": "#/components/schemas/CastleBase"}, whole]}


def _nullable_31_style(d: Doc) -> None:
    d["openapi"] = "3.1.0"
    new_castle(d)["note"] = {"type": ["string", "null"]}


NEAR_MISSES: list[tuple[str, Callable[[Doc], Any]]] = [
    (
        "optional response property added",
        lambda d: _set(castle(d), "moat", {"type": "boolean"}),
    ),
    (
        "optional query parameter added",
        lambda d: op(d, "/castles", "get")["parameters"].append(
            {"name": "region", "in": "query", "schema": {"type": "string"}}
        ),
    ),
    ("component renamed with the same shape", _rename_component),
    ("component inlined with the same shape", _inline_component),
    ("allOf split of the same object", _allof_split),
    ("description changed", lambda d: _set(castle(d)["region"], "description", "Where it is")),
    (
        "summary and example changed",
        lambda d: (
            _set(op(d, "/castles", "get"), "summary", "All the castles"),
            _set(castle(d)["region"], "example", "Normandie"),
        ),
    ),
    ("request bound loosened", lambda d: _set(new_castle(d)["yearBuilt"], "maximum", 9999)),
    ("request min length removed", lambda d: _del(new_castle(d)["name"], "minLength")),
    (
        "request parameter bound loosened",
        lambda d: _set(param(d, "limit")["schema"], "maximum", 500),
    ),
    ("enum grown on a request", lambda d: new_castle(d)["region"]["enum"].append("east")),
    ("enum shrunk on a response", lambda d: _set(castle(d)["status"], "enum", ["open"])),
    ("properties and paths reordered", _reorder),
    (
        "request type widened integer to number",
        lambda d: _set(new_castle(d)["yearBuilt"], "type", "number"),
    ),
    (
        "response type narrowed number to integer",
        lambda d: _set(castle(d)["score"], "type", "integer"),
    ),
    (
        "request format widened int32 to int64",
        lambda d: _set(new_castle(d)["yearBuilt"], "format", "int64"),
    ),
    ("request nullable added", lambda d: _set(new_castle(d)["tags"], "nullable", True)),
    ("3.1 null type is the same as 3.0 nullable", _nullable_31_style),
    ("request branch added", lambda d: new_castle(d)["owner"]["oneOf"].append({"type": "boolean"})),
    ("request property made optional", lambda d: schemas(d)["NewCastle"].pop("required")),
    (
        "response property made required",
        lambda d: schemas(d)["Castle"]["required"].append("yearBuilt"),
    ),
    (
        "read-only property removed from a request's point of view",
        lambda d: _del(new_castle(d), "id"),
    ),
    (
        "security alternative added",
        lambda d: op(d, "/castles", "post")["security"].append({"oauth": []}),
    ),
    ("server added", lambda d: d["servers"].append({"url": "http://localhost/v2"})),
    (
        "optional response header added",
        lambda d: _set(
            op(d, "/castles", "post")["responses"]["201"]["headers"],
            "X-New",
            {"schema": {"type": "string"}},
        ),
    ),
]


@pytest.mark.parametrize(("name", "change"), NEAR_MISSES, ids=[n for n, _ in NEAR_MISSES])
def test_near_miss_is_not_breaking(name: str, change: Callable[[Doc], Any]) -> None:
    changes = diff(change)
    assert [c for c in changes if c.level is not Level.INFO] == [], name


@pytest.mark.parametrize(
    "change",
    [
        _rename_component,
        _reorder,
        _inline_component,
        _allof_split,
        lambda d: _set(castle(d)["region"], "description", "x"),
    ],
    ids=["renamed", "reordered", "inlined", "allof", "description"],
)
def test_same_shape_reports_nothing_at_all(change: Callable[[Doc], Any]) -> None:
    assert diff(change) == []


def test_identical_specs_report_nothing() -> None:
    assert diff(lambda d: None) == []


def _tree(leaf_type: str, *, name: str = "Node") -> Doc:
    doc = copy.deepcopy(BASE)
    schemas(doc)[name] = {
        "type": "object",
        "properties": {
            "value": {"type": leaf_type},
            "children": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
            "parent": {"$ref": f"#/components/schemas/{name}"},
        },
    }
    doc["paths"]["/tree"] = {
        "get": {
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                }
            }
        }
    }
    return doc


def test_recursive_schemas_compare_without_looping() -> None:
    same = diff_specs(load(_tree("string")), load(_tree("string", name="Tree")))
    assert same.changes == ()
    changed = diff_specs(load(_tree("string")), load(_tree("integer", name="Tree")))
    assert [(c.rule, c.location.pointer) for c in changed.changes] == [
        ("response-property-type-changed", "/value")
    ]


def _mutual(region_type: str) -> Doc:
    """Castle ↔ Keeper, each returned by its own operation: a change in Castle must show in
    both, however the first comparison met the cycle."""
    doc = copy.deepcopy(BASE)
    schemas(doc)["Keeper"] = {
        "type": "object",
        "properties": {"castle": {"$ref": "#/components/schemas/Castle"}},
    }
    castle(doc)["keeper"] = {"$ref": "#/components/schemas/Keeper"}
    castle(doc)["region"] = {"type": region_type}
    ok = op(doc, "/castles/{id}", "get")["responses"]["200"]
    doc["paths"]["/keepers"] = {
        "get": {
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Keeper"}}
                    },
                }
            }
        }
    }
    assert ok["content"]
    return doc


def test_mutually_recursive_schemas_report_the_change_on_every_operation() -> None:
    report = diff_specs(load(_mutual("string")), load(_mutual("integer")))
    found = {
        (c.location.method, c.location.path, c.location.pointer)
        for c in report.changes
        if c.rule == "response-property-type-changed"
    }
    assert ("get", "/castles/{id}", "/region") in found
    assert ("get", "/keepers", "/castle/region") in found
    assert ("get", "/castles", "/*/region") in found


def test_swagger2_and_the_same_api_in_openapi3_differ_in_nothing_breaking() -> None:
    old = load_spec(SPECS / "diff" / "pets-swagger2.yaml", validate=False)
    new = load_spec(SPECS / "diff" / "pets-openapi3.yaml", validate=False)
    report = diff_specs(old, new)
    assert report.at_least(Level.WARNING) == (), [c.message for c in report.changes]
    assert len(new.operations) == 3  # the pair really is compared


def test_removed_property_in_a_multi_file_spec_is_located_in_its_own_file(tmp_path: Path) -> None:
    shutil.copytree(SPECS / "multifile", tmp_path / "old")
    shutil.copytree(SPECS / "multifile", tmp_path / "new")
    schema = tmp_path / "new" / "schemas" / "castle.yaml"
    lines = schema.read_text().splitlines(keepends=True)
    assert any(line.strip() == "region:" for line in lines)
    cut = next(i for i, line in enumerate(lines) if line.strip() == "region:")
    schema.write_text("".join(lines[:cut] + lines[cut + 2 :]))  # "region:" and its type
    report = diff_specs(
        load_spec(tmp_path / "old" / "openapi.yaml", validate=False),
        load_spec(tmp_path / "new" / "openapi.yaml", validate=False),
    )
    removed = [c for c in report.changes if c.rule == "response-property-removed"]
    assert removed
    assert removed[0].location.file == str(tmp_path / "old" / "schemas" / "castle.yaml")
    assert removed[0].location.line == cut + 1


def test_new_places_are_located_in_the_new_file(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    changed = copy.deepcopy(BASE)
    changed["paths"]["/castles"]["get"]["parameters"][0]["required"] = True
    (tmp_path / "old.json").write_text(json.dumps(doc, indent=2))
    (tmp_path / "new.json").write_text(json.dumps(changed, indent=2))
    report = diff_specs(load_spec(tmp_path / "old.json"), load_spec(tmp_path / "new.json"))
    (change,) = report.changes
    assert change.location.file == str(tmp_path / "new.json")
    text = (tmp_path / "new.json").read_text().splitlines()
    assert change.location.line is not None
    assert '"name": "limit"' in "".join(text[change.location.line - 1 : change.location.line + 1])


def test_diff_operations_looks_only_at_the_named_operations() -> None:
    old = load(BASE)
    changed = copy.deepcopy(BASE)
    del castle(changed)["region"]
    new = load(changed)
    only = diff_operations(old, new, {("GET", "/castles/{id}")})
    assert {(c.location.method, c.location.path) for c in only.changes} == {
        ("get", "/castles/{id}")
    }
    assert len(diff_specs(old, new).breaking) == 3
