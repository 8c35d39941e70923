"""The rule catalogue, one or more spec pairs per rule: each pair must fire its rule, at its
level, on its side, at its place. The near misses (changes that must not fire) are in
`test_rules_near_misses.py`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from entente_daemon.diff import Change, Level, Side, diff_specs
from entente_daemon.diff.catalogue import BY_ID, RULES
from entente_daemon.openapi.loader import load_spec_text
from entente_daemon.openapi.spec import Spec

pytestmark = pytest.mark.usefixtures("home")

Doc = dict[str, Any]


def _json(schema: Doc) -> Doc:
    return {"application/json": {"schema": schema}}


CASTLE = "#/components/schemas/Castle"
BASE: Doc = {
    "openapi": "3.0.3",
    "info": {"title": "Castles", "version": "1"},
    "servers": [{"url": "http://localhost/api"}],
    "paths": {
        "/castles": {
            "get": {
                "operationId": "listCastles",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": _json({"type": "array", "items": {"$ref": CASTLE}}),
                    }
                },
            },
            "post": {
                "operationId": "createCastle",
                "security": [{"key": []}],
                "requestBody": {
                    "required": False,
                    "content": _json({"$ref": "#/components/schemas/NewCastle"}),
                },
                "responses": {
                    "201": {
                        "description": "made",
                        "headers": {
                            "Location": {"required": True, "schema": {"type": "string"}},
                            "X-Rate": {"schema": {"type": "integer"}},
                        },
                        "content": _json({"$ref": CASTLE}),
                    },
                    "400": {"description": "bad"},
                },
            },
        },
        "/castles/{id}": {
            "get": {
                "operationId": "getCastle",
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {"description": "ok", "content": _json({"$ref": CASTLE})},
                    "404": {"description": "none"},
                },
            },
        },
    },
    "components": {
        "schemas": {
            "Castle": {
                "type": "object",
                "required": ["id", "name", "region"],
                "properties": {
                    "id": {"type": "string", "readOnly": True},
                    "name": {"type": "string", "maxLength": 100},
                    "region": {"type": "string"},
                    "yearBuilt": {"type": "integer", "format": "int32"},
                    "status": {"type": "string", "enum": ["open", "closed"]},
                    "score": {"type": "number", "minimum": 0, "maximum": 10},
                    "towers": {"type": "array", "items": {"$ref": "#/components/schemas/Tower"}},
                    "code": {"type": "string", "pattern": "^[A-Z]+$"},
                    "owner": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                },
            },
            "Tower": {"type": "object", "properties": {"height": {"type": "number"}}},
            "NewCastle": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "id": {"type": "string", "readOnly": True},
                    "name": {"type": "string", "maxLength": 100, "minLength": 1},
                    "region": {"type": "string", "enum": ["north", "south"]},
                    "yearBuilt": {
                        "type": "integer",
                        "format": "int32",
                        "minimum": 0,
                        "maximum": 3000,
                    },
                    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
                    "owner": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                    "note": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                    "secret": {"type": "string"},
                    "extra": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        },
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": "http://localhost/token",
                        "scopes": {"read": "r", "write": "w"},
                    }
                },
            },
        },
    },
}


def load(doc: Doc, name: str = "openapi.json") -> Spec:
    return load_spec_text(json.dumps(doc), name, validate=False)


def diff(
    change: Callable[[Doc], Any], old_change: Callable[[Doc], Any] | None = None
) -> list[Change]:
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    if old_change is not None:
        old_change(old)
        old_change(new)
    change(new)
    return list(diff_specs(load(old), load(new)).changes)


def schemas(d: Doc) -> Doc:
    result: Doc = d["components"]["schemas"]
    return result


def castle(d: Doc) -> Doc:
    result: Doc = schemas(d)["Castle"]["properties"]
    return result


def new_castle(d: Doc) -> Doc:
    result: Doc = schemas(d)["NewCastle"]["properties"]
    return result


def op(d: Doc, path: str, method: str) -> Doc:
    result: Doc = d["paths"][path][method]
    return result


def param(d: Doc, name: str) -> Doc:
    for p in op(d, "/castles", "get")["parameters"]:
        if p["name"] == name:
            result: Doc = p
            return result
    raise KeyError(name)


def _set(target: Doc, key: str, value: Any) -> Doc:
    target[key] = value
    return target


def _del(target: Doc, key: str) -> Doc:
    del target[key]
    return target


GET_ONE = {"path": "/castles/{id}", "method": "get"}
LIST = {"path": "/castles", "method": "get"}
CREATE = {"path": "/castles", "method": "post"}
JSON = "application/json"

#: (rule, level, side, the change to the new spec, expected location fields)
CASES: list[tuple[str, Level, Side, Callable[[Doc], Any], dict[str, Any]]] = [
    # paths and operations
    (
        "path-removed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _del(d["paths"], "/castles/{id}"),
        GET_ONE,
    ),
    (
        "operation-removed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _del(d["paths"]["/castles"], "post"),
        CREATE,
    ),
    (
        "path-added",
        Level.INFO,
        Side.REQUEST,
        lambda d: _set(
            d["paths"], "/towers", {"get": {"responses": {"200": {"description": "ok"}}}}
        ),
        {"path": "/towers", "method": "get"},
    ),
    (
        "operation-added",
        Level.INFO,
        Side.REQUEST,
        lambda d: _set(
            d["paths"]["/castles/{id}"], "delete", {"responses": {"204": {"description": "gone"}}}
        ),
        {"path": "/castles/{id}", "method": "delete"},
    ),
    (
        "operation-id-changed",
        Level.WARNING,
        Side.REQUEST,
        lambda d: _set(op(d, "/castles", "get"), "operationId", "castles"),
        LIST,
    ),
    (
        "operation-deprecated",
        Level.INFO,
        Side.REQUEST,
        lambda d: _set(op(d, "/castles", "get"), "deprecated", True),
        LIST,
    ),
    (
        "request-path-parameter-renamed",
        Level.INFO,
        Side.REQUEST,
        lambda d: (
            d["paths"].__setitem__("/castles/{castleId}", d["paths"].pop("/castles/{id}")),
            _set(op(d, "/castles/{castleId}", "get")["parameters"][0], "name", "castleId"),
        ),
        {"path": "/castles/{castleId}", "method": "get", "parameter": "path:castleId"},
    ),
    # parameters
    (
        "request-parameter-added-required",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: op(d, "/castles", "get")["parameters"].append(
            {"name": "region", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        {**LIST, "parameter": "query:region"},
    ),
    (
        "request-parameter-added",
        Level.INFO,
        Side.REQUEST,
        lambda d: op(d, "/castles", "get")["parameters"].append(
            {"name": "region", "in": "query", "schema": {"type": "string"}}
        ),
        {**LIST, "parameter": "query:region"},
    ),
    (
        "request-parameter-became-required",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "limit"), "required", True),
        {**LIST, "parameter": "query:limit"},
    ),
    (
        "request-parameter-removed",
        Level.WARNING,
        Side.REQUEST,
        lambda d: op(d, "/castles", "get")["parameters"].pop(0),
        {**LIST, "parameter": "query:limit"},
    ),
    (
        "request-parameter-moved",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "X-Trace"), "in", "query"),
        {**LIST, "parameter": "query:X-Trace"},
    ),
    (
        "request-parameter-type-changed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "limit"), "schema", {"type": "string"}),
        {**LIST, "parameter": "query:limit"},
    ),
    (
        "request-parameter-max-decreased",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "limit")["schema"], "maximum", 50),
        {**LIST, "parameter": "query:limit"},
    ),
    (
        "request-parameter-min-increased",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "limit")["schema"], "minimum", 5),
        {**LIST, "parameter": "query:limit"},
    ),
    (
        "request-parameter-max-decreased",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "limit")["schema"], "exclusiveMaximum", True),
        {**LIST, "parameter": "query:limit"},
    ),
    (
        "request-parameter-format-changed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "X-Trace")["schema"], "format", "uuid"),
        {**LIST, "parameter": "header:X-Trace"},
    ),
    (
        "request-parameter-pattern-added",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "X-Trace")["schema"], "pattern", "^[a-f0-9]+$"),
        {**LIST, "parameter": "header:X-Trace"},
    ),
    (
        "request-parameter-max-length-decreased",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "X-Trace")["schema"], "maxLength", 8),
        {**LIST, "parameter": "header:X-Trace"},
    ),
    (
        "request-parameter-enum-added",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "X-Trace")["schema"], "enum", ["a", "b"]),
        {**LIST, "parameter": "header:X-Trace"},
    ),
    (
        "request-parameter-style-changed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "limit"), "style", "deepObject"),
        {**LIST, "parameter": "query:limit"},
    ),
    (
        "request-parameter-explode-changed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(param(d, "limit"), "explode", False),
        {**LIST, "parameter": "query:limit"},
    ),
    # request body
    (
        "request-body-became-required",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(op(d, "/castles", "post")["requestBody"], "required", True),
        CREATE,
    ),
    (
        "request-body-added-required",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(
            op(d, "/castles/{id}", "get"),
            "requestBody",
            {"required": True, "content": _json({"type": "object"})},
        ),
        GET_ONE,
    ),
    (
        "request-body-media-type-removed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(
            op(d, "/castles", "post")["requestBody"],
            "content",
            {"application/xml": {"schema": {"type": "object"}}},
        ),
        {**CREATE, "media_type": JSON},
    ),
    (
        "request-body-media-type-added",
        Level.INFO,
        Side.REQUEST,
        lambda d: _set(
            op(d, "/castles", "post")["requestBody"]["content"],
            "text/plain",
            {"schema": {"type": "string"}},
        ),
        {**CREATE, "media_type": "text/plain"},
    ),
    (
        "request-body-type-changed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(
            op(d, "/castles", "post")["requestBody"], "content", _json({"type": "array"})
        ),
        {**CREATE, "media_type": JSON, "pointer": ""},
    ),
    (
        "request-property-added-required",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: (
            _set(new_castle(d), "moat", {"type": "boolean"}),
            schemas(d)["NewCastle"]["required"].append("moat"),
        ),
        {**CREATE, "media_type": JSON, "pointer": "/moat"},
    ),
    (
        "request-property-became-required",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: schemas(d)["NewCastle"]["required"].append("region"),
        {**CREATE, "media_type": JSON, "pointer": "/region"},
    ),
    (
        "request-property-type-changed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["yearBuilt"], "type", "string"),
        {**CREATE, "media_type": JSON, "pointer": "/yearBuilt"},
    ),
    (
        "request-property-max-decreased",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["yearBuilt"], "maximum", 2000),
        {**CREATE, "media_type": JSON, "pointer": "/yearBuilt"},
    ),
    (
        "request-property-min-length-increased",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["name"], "minLength", 3),
        {**CREATE, "media_type": JSON, "pointer": "/name"},
    ),
    (
        "request-property-max-items-decreased",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["tags"], "maxItems", 3),
        {**CREATE, "media_type": JSON, "pointer": "/tags"},
    ),
    (
        "request-property-pattern-added",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["code"], "pattern", "^[A-Z]+$"),
        {**CREATE, "media_type": JSON, "pointer": "/code"},
    ),
    (
        "request-property-enum-value-removed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["region"], "enum", ["north"]),
        {**CREATE, "media_type": JSON, "pointer": "/region"},
    ),
    (
        "request-property-enum-value-added",
        Level.INFO,
        Side.REQUEST,
        lambda d: new_castle(d)["region"]["enum"].append("east"),
        {**CREATE, "media_type": JSON, "pointer": "/region"},
    ),
    (
        "request-property-nullable-removed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _del(new_castle(d)["note"], "nullable"),
        {**CREATE, "media_type": JSON, "pointer": "/note"},
    ),
    (
        "request-property-branch-removed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: new_castle(d)["owner"]["oneOf"].pop(),
        {**CREATE, "media_type": JSON, "pointer": "/owner"},
    ),
    (
        "request-body-additional-properties-closed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(schemas(d)["NewCastle"], "additionalProperties", False),
        {**CREATE, "media_type": JSON, "pointer": ""},
    ),
    (
        "request-property-additional-properties-closed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["extra"], "additionalProperties", False),
        {**CREATE, "media_type": JSON, "pointer": "/extra"},
    ),
    (
        "request-property-type-changed",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["extra"], "additionalProperties", {"type": "integer"}),
        {**CREATE, "media_type": JSON, "pointer": "/extra/*"},
    ),
    (
        "request-property-enum-added",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["tags"]["items"], "enum", ["a"]),
        {**CREATE, "media_type": JSON, "pointer": "/tags/*"},
    ),
    (
        "request-property-removed",
        Level.WARNING,
        Side.REQUEST,
        lambda d: _del(new_castle(d), "secret"),
        {**CREATE, "media_type": JSON, "pointer": "/secret"},
    ),
    (
        "request-property-became-read-only",
        Level.WARNING,
        Side.REQUEST,
        lambda d: _set(new_castle(d)["secret"], "readOnly", True),
        {**CREATE, "media_type": JSON, "pointer": "/secret"},
    ),
    (
        "request-body-added",
        Level.INFO,
        Side.REQUEST,
        lambda d: _set(
            op(d, "/castles/{id}", "get"),
            "requestBody",
            {"content": _json({"type": "object"})},
        ),
        GET_ONE,
    ),
    (
        "request-body-removed",
        Level.WARNING,
        Side.REQUEST,
        lambda d: _del(op(d, "/castles", "post"), "requestBody"),
        CREATE,
    ),
    (
        "request-property-added",
        Level.INFO,
        Side.REQUEST,
        lambda d: _set(new_castle(d), "moat", {"type": "boolean"}),
        {**CREATE, "media_type": JSON, "pointer": "/moat"},
    ),
    (
        "request-property-became-optional",
        Level.INFO,
        Side.REQUEST,
        lambda d: schemas(d)["NewCastle"].pop("required"),
        {**CREATE, "media_type": JSON, "pointer": "/name"},
    ),
    # responses
    (
        "response-success-status-removed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(op(d, "/castles", "post"), "responses", {"202": {"description": "later"}}),
        {**CREATE, "status": "201"},
    ),
    (
        "response-non-success-status-removed",
        Level.INFO,
        Side.RESPONSE,
        lambda d: _del(op(d, "/castles/{id}", "get")["responses"], "404"),
        {**GET_ONE, "status": "404"},
    ),
    (
        "response-success-status-added",
        Level.WARNING,
        Side.RESPONSE,
        lambda d: _set(op(d, "/castles/{id}", "get")["responses"], "203", {"description": "x"}),
        {**GET_ONE, "status": "203"},
    ),
    (
        "response-media-type-removed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(
            op(d, "/castles/{id}", "get")["responses"]["200"],
            "content",
            {"application/xml": {"schema": {"type": "object"}}},
        ),
        {**GET_ONE, "status": "200", "media_type": JSON},
    ),
    (
        "response-property-removed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _del(castle(d), "region"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/region"},
    ),
    (
        "response-property-removed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _del(castle(d), "region"),
        {**LIST, "status": "200", "media_type": JSON, "pointer": "/*/region"},
    ),
    (
        "response-property-removed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _del(schemas(d)["Tower"]["properties"], "height"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/towers/*/height"},
    ),
    (
        "response-property-became-optional",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: schemas(d)["Castle"]["required"].remove("region"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/region"},
    ),
    (
        "response-property-nullable-added",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(castle(d)["region"], "nullable", True),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/region"},
    ),
    (
        "response-property-type-changed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(castle(d)["yearBuilt"], "type", "string"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/yearBuilt"},
    ),
    (
        "response-property-type-changed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(castle(d)["yearBuilt"], "type", "number"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/yearBuilt"},
    ),
    (
        "response-property-format-changed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(castle(d)["yearBuilt"], "format", "date"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/yearBuilt"},
    ),
    (
        "response-property-enum-value-added",
        Level.WARNING,
        Side.RESPONSE,
        lambda d: castle(d)["status"]["enum"].append("ruined"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/status"},
    ),
    (
        "response-property-enum-removed",
        Level.WARNING,
        Side.RESPONSE,
        lambda d: _del(castle(d)["status"], "enum"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/status"},
    ),
    (
        "response-property-max-increased",
        Level.WARNING,
        Side.RESPONSE,
        lambda d: _set(castle(d)["score"], "maximum", 100),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/score"},
    ),
    (
        "response-property-max-length-increased",
        Level.WARNING,
        Side.RESPONSE,
        lambda d: _del(castle(d)["name"], "maxLength"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/name"},
    ),
    (
        "response-property-pattern-changed",
        Level.WARNING,
        Side.RESPONSE,
        lambda d: _set(castle(d)["code"], "pattern", "^[A-Z0-9]+$"),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/code"},
    ),
    (
        "response-property-branch-added",
        Level.WARNING,
        Side.RESPONSE,
        lambda d: castle(d)["owner"]["oneOf"].append({"type": "boolean"}),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/owner"},
    ),
    (
        "response-property-became-write-only",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(castle(d)["name"], "writeOnly", True),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/name"},
    ),
    (
        "response-property-added",
        Level.INFO,
        Side.RESPONSE,
        lambda d: _set(castle(d), "moat", {"type": "boolean"}),
        {**GET_ONE, "status": "200", "media_type": JSON, "pointer": "/moat"},
    ),
    (
        "response-body-type-changed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(
            op(d, "/castles", "get")["responses"]["200"], "content", _json({"type": "object"})
        ),
        {**LIST, "status": "200", "media_type": JSON, "pointer": ""},
    ),
    (
        "response-required-header-removed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _del(op(d, "/castles", "post")["responses"]["201"]["headers"], "Location"),
        {**CREATE, "status": "201", "parameter": "header:Location"},
    ),
    (
        "response-optional-header-removed",
        Level.INFO,
        Side.RESPONSE,
        lambda d: _del(op(d, "/castles", "post")["responses"]["201"]["headers"], "X-Rate"),
        {**CREATE, "status": "201", "parameter": "header:X-Rate"},
    ),
    (
        "response-header-became-optional",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(
            op(d, "/castles", "post")["responses"]["201"]["headers"]["Location"], "required", False
        ),
        {**CREATE, "status": "201", "parameter": "header:Location"},
    ),
    (
        "response-header-type-changed",
        Level.BREAKING,
        Side.RESPONSE,
        lambda d: _set(
            op(d, "/castles", "post")["responses"]["201"]["headers"]["X-Rate"],
            "schema",
            {"type": "string"},
        ),
        {**CREATE, "status": "201", "parameter": "header:X-Rate"},
    ),
    (
        "response-non-success-status-added",
        Level.INFO,
        Side.RESPONSE,
        lambda d: _set(op(d, "/castles/{id}", "get")["responses"], "410", {"description": "gone"}),
        {**GET_ONE, "status": "410"},
    ),
    (
        "response-media-type-added",
        Level.INFO,
        Side.RESPONSE,
        lambda d: _set(
            op(d, "/castles/{id}", "get")["responses"]["200"]["content"],
            "application/xml",
            {"schema": {"type": "object"}},
        ),
        {**GET_ONE, "status": "200", "media_type": "application/xml"},
    ),
    (
        "response-header-added",
        Level.INFO,
        Side.RESPONSE,
        lambda d: _set(
            op(d, "/castles", "post")["responses"]["201"]["headers"],
            "X-New",
            {"schema": {"type": "string"}},
        ),
        {**CREATE, "status": "201", "parameter": "header:X-New"},
    ),
    # security and servers
    (
        "security-added",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(op(d, "/castles", "get"), "security", [{"key": []}]),
        LIST,
    ),
    (
        "security-requirement-tightened",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(op(d, "/castles", "post"), "security", [{"oauth": []}]),
        CREATE,
    ),
    (
        "security-requirement-tightened",
        Level.BREAKING,
        Side.REQUEST,
        lambda d: _set(op(d, "/castles", "post"), "security", [{"key": [], "oauth": []}]),
        CREATE,
    ),
    (
        "security-removed",
        Level.INFO,
        Side.REQUEST,
        lambda d: _set(op(d, "/castles", "post"), "security", []),
        CREATE,
    ),
    (
        "security-scheme-changed",
        Level.BREAKING,
        Side.SPEC,
        lambda d: _set(d["components"]["securitySchemes"]["key"], "name", "X-Api-Key"),
        {},
    ),
    (
        "security-scheme-removed",
        Level.BREAKING,
        Side.SPEC,
        lambda d: _del(d["components"]["securitySchemes"], "oauth"),
        {},
    ),
    (
        "server-base-path-changed",
        Level.BREAKING,
        Side.SPEC,
        lambda d: _set(d, "servers", [{"url": "http://localhost/api/v2"}]),
        {},
    ),
]


@pytest.mark.parametrize(
    ("rule", "level", "side", "change", "where"),
    CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)],
)
def test_rule_fires(
    rule: str,
    level: Level,
    side: Side,
    change: Callable[[Doc], Any],
    where: dict[str, Any],
) -> None:
    changes = diff(change)
    fired = [c for c in changes if c.rule == rule]
    assert fired, f"{rule} did not fire; got {[c.rule for c in changes]}"
    located = [c for c in fired if all(getattr(c.location, k) == v for k, v in where.items())]
    assert located, f"{rule} fired elsewhere: {[c.location for c in fired]}"
    assert located[0].level is level
    assert located[0].side is side
    assert located[0].message


def test_security_scope_added() -> None:
    changes = diff(
        lambda d: _set(op(d, "/castles", "post"), "security", [{"oauth": ["read", "write"]}]),
        old_change=lambda d: _set(op(d, "/castles", "post"), "security", [{"oauth": ["read"]}]),
    )
    assert [(c.rule, c.level) for c in changes] == [("security-scope-added", Level.BREAKING)]


def test_request_parameter_became_optional_and_moved_off_required() -> None:
    changes = diff(
        lambda d: _set(param(d, "limit"), "required", False),
        old_change=lambda d: _set(param(d, "limit"), "required", True),
    )
    assert [(c.rule, c.level) for c in changes] == [
        ("request-parameter-became-optional", Level.INFO)
    ]


def test_request_body_became_optional() -> None:
    changes = diff(
        lambda d: _set(op(d, "/castles", "post")["requestBody"], "required", False),
        old_change=lambda d: _set(op(d, "/castles", "post")["requestBody"], "required", True),
    )
    assert [c.rule for c in changes] == ["request-body-became-optional"]


def test_every_case_rule_is_in_the_catalogue() -> None:
    assert {case[0] for case in CASES} <= set(BY_ID)


def test_catalogue_ids_are_unique_and_described() -> None:
    assert len(BY_ID) == len(RULES)
    for entry in RULES:
        assert entry.description
        assert entry.id == entry.id.lower()


def test_the_castle_region_removal_is_one_located_change_per_operation() -> None:
    changes = diff(lambda d: _del(castle(d), "region"))
    removed = [c for c in changes if c.rule == "response-property-removed"]
    assert {(c.location.method, c.location.path, c.location.status) for c in removed} == {
        ("get", "/castles", "200"),
        ("post", "/castles", "201"),
        ("get", "/castles/{id}", "200"),
    }
    for change in removed:
        assert change.location.spec_pointer == "/components/schemas/Castle/properties/region"
        assert change.location.line is not None
        assert change.old is None
    assert "region" in removed[0].message
