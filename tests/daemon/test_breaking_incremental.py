"""Which operations a save changed (`breaking.incremental.changed_operations`), a table of
cases on small specs: only those are diffed again on a save."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from entente_daemon.daemon.services.breaking.incremental import EVERYTHING, changed_operations
from entente_daemon.openapi import Spec, load_spec_text

BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Castles", "version": "1.0.0"},
    "paths": {
        "/castles": {
            "get": {
                "operationId": "listCastles",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Castle"},
                                }
                            }
                        },
                    }
                },
            },
            "post": {
                "operationId": "createCastle",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CastleCreate"}
                        }
                    }
                },
                "responses": {"201": {"description": "made"}},
            },
        },
        "/towers": {
            "get": {
                "operationId": "listTowers",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Tower"}}
                        },
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Castle": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "region": {"$ref": "#/components/schemas/Region"},
                },
            },
            "Region": {"type": "string"},
            "CastleCreate": {"type": "object", "properties": {"name": {"type": "string"}}},
            "Tower": {"type": "object", "properties": {"height": {"type": "number"}}},
        }
    },
}

Edit = Callable[[dict[str, Any]], None]


def _spec(document: dict[str, Any]) -> Spec:
    return load_spec_text(yaml.safe_dump(document), "openapi.yaml", validate=False)


def _set(path: list[str], value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        node = document
        for key in path[:-1]:
            node = node[key]
        if value is None:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return edit


CASES: list[tuple[str, Edit, set[tuple[str, str]] | None]] = [
    ("the title only", _set(["info", "title"], "Châteaux"), set()),
    (
        "one operation's response",
        _set(["paths", "/towers", "get", "responses", "200", "description"], "towers"),
        {("get", "/towers")},
    ),
    (
        "a path item removed",
        _set(["paths", "/towers"], None),
        {("get", "/towers")},
    ),
    (
        "a schema two refs away",
        _set(["components", "schemas", "Region"], {"type": "integer"}),
        {("get", "/castles")},
    ),
    (
        "a request schema",
        _set(["components", "schemas", "CastleCreate", "required"], ["name"]),
        {("post", "/castles")},
    ),
    ("the servers", _set(["servers"], [{"url": "https://example.org/v2"}]), EVERYTHING),
]


@pytest.mark.parametrize(("what", "edit", "expected"), CASES, ids=[c[0] for c in CASES])
def test_only_the_operations_a_save_touches_are_diffed_again(
    what: str, edit: Edit, expected: set[tuple[str, str]] | None
) -> None:
    changed = copy.deepcopy(BASE)
    edit(changed)
    assert changed_operations(_spec(BASE), _spec(changed)) == expected, what


def test_a_recursive_schema_ends() -> None:
    before = copy.deepcopy(BASE)
    before["components"]["schemas"]["Castle"]["properties"]["towers"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Castle"},
    }
    after = copy.deepcopy(before)
    after["components"]["schemas"]["Region"] = {"type": "boolean"}
    assert changed_operations(_spec(before), _spec(after)) == {("get", "/castles")}
