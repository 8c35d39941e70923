"""The operation index: operationIds, parameters, bodies, responses, security, servers."""

from __future__ import annotations

import pytest

from entente_daemon.openapi import load_spec, load_spec_text
from entente_daemon.openapi.index import synthesise_operation_id
from tests.openapi.conftest import CASTLE

HEAD = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\n'


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/castles/{id}", "get_castles_id"),
        ("GET", "/castles", "get_castles"),
        ("get", "/", "get_root"),
        ("post", "/castles/{castleId}/towers", "post_castles_castleId_towers"),
        ("get", "/files/{name}.{ext}", "get_files_name_ext"),
        ("get", "/v{version}/status", "get_v_version_status"),
        ("delete", "/castles/{id}/", "delete_castles_id"),
        ("get", "/châteaux/{id}", "get_ch_teaux_id"),
    ],
)
def test_synthesised_operation_ids(method: str, path: str, expected: str) -> None:
    assert synthesise_operation_id(method, path) == expected


def test_missing_operation_ids_are_synthesised_and_deduplicated() -> None:
    spec = load_spec_text(
        HEAD
        + """paths:
  /castles:
    get: {responses: {"200": {description: ok}}}
    post: {operationId: get_castles_id, responses: {"201": {description: ok}}}
  /castles/{id}:
    get: {responses: {"200": {description: ok}}}
  /castles/{id}/:
    delete: {responses: {"204": {description: ok}}}
    get: {responses: {"200": {description: ok}}}
""",
        validate=False,
    )
    ids = [
        (op.method, op.path, op.operation_id, op.operation_id_synthesised) for op in spec.operations
    ]
    assert ids == [
        ("GET", "/castles", "get_castles", True),
        ("POST", "/castles", "get_castles_id", False),  # explicit ids are kept...
        ("GET", "/castles/{id}", "get_castles_id_2", True),  # ...made-up ones step aside
        ("DELETE", "/castles/{id}/", "delete_castles_id", True),
        ("GET", "/castles/{id}/", "get_castles_id_3", True),
    ]


def test_castle_operation_details() -> None:
    spec = load_spec(CASTLE)
    get = spec.operation("getCastle")
    assert get is not None
    assert (get.method, get.path, get.summary, get.tags) == (
        "GET",
        "/castles/{id}",
        "Get one castle",
        ("castles",),
    )
    [param] = get.parameters
    assert (param.name, param.location, param.required, param.style, param.explode) == (
        "id",
        "path",
        True,
        "simple",
        False,
    )
    assert param.schema == {"type": "string", "format": "uuid"}
    assert param.example is not None
    assert (
        get.responses["200"].content["application/json"].examples["versailles"].value["name"]
        == "Château de Versailles"
    )
    assert get.response_for(200) is get.responses["200"]
    assert get.response_for(404) is get.responses["404"]
    assert get.response_for(500) is None

    listing = spec.operation("listCastles")
    assert listing is not None
    region = listing.parameter("region", "query")
    assert region is not None
    assert (region.required, region.style, region.explode) == (False, "form", True)
    assert region.examples["normandy"].value == "Normandie"

    create = spec.operation("createCastle")
    assert create is not None
    assert create.request_body is not None
    assert create.request_body.required
    media = create.request_body.content["application/json"]
    assert media.schema == {"$ref": "#/components/schemas/CastleCreate"}
    assert media.examples["chambord"].value["yearBuilt"] == 1519
    assert set(create.responses) == {"201", "400"}

    delete = spec.operation("deleteCastle")
    assert delete is not None
    assert delete.responses["204"].content == {}


def test_parameters_merge_path_level_and_operation_level() -> None:
    spec = load_spec_text(
        HEAD
        + """paths:
  /castles/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: X-Trace, in: header, schema: {type: string}}
      - {name: lang, in: query, schema: {type: string}}
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
        - {name: x-trace, in: header, required: true, schema: {type: string}}
        - {name: lang, in: cookie, schema: {type: string}}
        - $ref: "#/components/parameters/Limit"
      responses: {"200": {description: ok}}
components:
  parameters:
    Limit: {name: limit, in: query, schema: {type: integer}, style: form, explode: false}
""",
        validate=False,
    )
    op = spec.operations[0]
    assert [(p.name, p.location) for p in op.parameters] == [
        ("id", "path"),
        ("x-trace", "header"),
        ("lang", "query"),
        ("lang", "cookie"),
        ("limit", "query"),
    ]
    assert op.parameters[0].schema == {"type": "integer"}  # the operation's wins
    header = op.parameter("X-TRACE", "header")
    assert header is not None
    assert header.required
    limit = op.parameter("limit", "query")
    assert limit is not None
    assert limit.explode is False
    assert limit.pointer == "/components/parameters/Limit"
    cookie = op.parameter("lang", "cookie")
    assert cookie is not None
    assert (cookie.style, cookie.explode) == ("form", True)


def test_undeclared_path_parameters_are_added() -> None:
    spec = load_spec_text(
        HEAD + 'paths:\n  /files/{name}.{ext}:\n    get: {responses: {"200": {description: ok}}}\n',
        validate=False,
    )
    params = spec.operations[0].parameters
    assert [(p.name, p.location, p.required, p.declared) for p in params] == [
        ("name", "path", True, False),
        ("ext", "path", True, False),
    ]
    assert params[0].schema == {"type": "string"}


def test_security_servers_and_refs_to_shared_objects() -> None:
    spec = load_spec_text(
        HEAD
        + """servers: [{url: /api}]
security: [{apiKey: []}]
paths:
  /open:
    get:
      security: []
      responses: {"200": {$ref: "#/components/responses/Ok"}}
  /closed:
    servers: [{url: /internal}]
    get:
      security: [{oauth: [read, write]}, {apiKey: []}]
      requestBody: {$ref: "#/components/requestBodies/Thing"}
      responses:
        "2XX": {description: fine, headers: {X-Rate: {$ref: "#/components/headers/Rate"}}}
        default: {description: oops}
  /inherit:
    get: {responses: {"200": {description: ok}}}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-Key}
  responses:
    Ok: {description: all good, content: {text/plain: {schema: {type: string}, example: hi}}}
  requestBodies:
    Thing: {required: true, content: {application/json: {schema: {type: object}}}}
  headers:
    Rate: {required: true, schema: {type: integer}}
""",
        validate=False,
    )
    open_, closed, inherit = spec.operations
    assert open_.security == ()
    assert closed.security == ({"oauth": ("read", "write")}, {"apiKey": ()})
    assert inherit.security == ({"apiKey": ()},)
    assert [s.url for s in open_.servers] == ["/api"]
    assert [s.url for s in closed.servers] == ["/internal"]
    assert spec.security_schemes["apiKey"]["name"] == "X-Key"
    ok = open_.responses["200"]
    assert ok.description == "all good"
    example = ok.content["text/plain"].example
    assert example is not None
    assert example.value == "hi"
    assert closed.request_body is not None
    assert closed.request_body.required
    assert closed.responses["2XX"].headers["X-Rate"].required
    assert closed.response_for(204) is closed.responses["2XX"]
    assert closed.response_for(500) is closed.responses["default"]


def test_openapi_31_reference_summary_overrides() -> None:
    spec = load_spec_text(
        """openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200": {$ref: "#/components/responses/Ok", description: overridden}
components:
  responses:
    Ok: {description: original}
""",
        validate=False,
    )
    assert spec.operations[0].responses["200"].description == "overridden"


def test_skipped_parameters_are_warnings() -> None:
    spec = load_spec_text(
        HEAD
        + "paths:\n  /a:\n    get:\n      parameters: [{name: q}]\n"
        + '      responses: {"200": {description: ok}}\n',
        validate=False,
    )
    [warning] = spec.warnings
    assert warning.source == "index"
    assert warning.line == 6
    assert "parameter ignored" in warning.message
    assert spec.operations[0].parameters == ()


def test_31_without_paths_is_allowed() -> None:
    spec = load_spec_text(
        'openapi: 3.1.0\ninfo: {title: t, version: "1"}\nwebhooks: {}\n', validate=False
    )
    assert spec.operations == ()
    assert "no 'paths'" in spec.warnings[0].message
