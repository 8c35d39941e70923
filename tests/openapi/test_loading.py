"""Loading specs of every supported version and format, multi-file and messy ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from entente_daemon.openapi import SpecError, load_spec, load_spec_text
from entente_daemon.openapi.errors import display_path
from tests.openapi.conftest import CASTLE, SPECS, all_refs


def test_castle_example_loads_cleanly() -> None:
    spec = load_spec(CASTLE)
    assert spec.title == "Castle Service"
    assert spec.version == "1.0.0"
    assert spec.openapi_version == "3.0"
    assert spec.declared_version == "3.0.3"
    assert [op.operation_id for op in spec.operations] == [
        "listCastles",
        "createCastle",
        "getCastle",
        "deleteCastle",
    ]
    assert spec.warnings == ()
    assert spec.files == (CASTLE,)
    assert [s.url for s in spec.servers] == ["http://localhost:4001"]
    assert spec.servers[0].base_paths == ("",)


def test_castle_examples_are_valid_against_their_schemas() -> None:
    spec = load_spec(CASTLE)
    checked = 0
    for op in spec.operations:
        bodies = [op.request_body] if op.request_body else []
        media = [m for b in bodies for m in b.content.values()]
        media += [m for r in op.responses.values() for m in r.content.values()]
        for media_type in media:
            validator = spec.validator_for(media_type.schema)
            for name, example in media_type.examples.items():
                errors = [e.message for e in validator.iter_errors(example.value)]
                assert errors == [], f"{op} example {name}"
                checked += 1
    assert checked >= 8


def test_json_spec_gives_the_same_document_as_yaml() -> None:
    from_yaml = load_spec(CASTLE)
    from_json = load_spec(SPECS / "castle.json")
    assert from_json.document == from_yaml.document
    assert [str(o) for o in from_json.operations] == [str(o) for o in from_yaml.operations]
    get = from_json.operation("getCastle")
    assert get is not None
    assert get.file == SPECS / "castle.json"
    assert get.line is not None
    assert get.line > 100


def test_openapi_31() -> None:
    spec = load_spec(SPECS / "openapi31.yaml")
    assert spec.openapi_version == "3.1"
    assert spec.json_schema_dialect == "https://json-schema.org/draft/2020-12/schema"
    # webhooks are not operations to serve, and do not get in the way
    assert [op.operation_id for op in spec.operations] == ["getKeep"]
    keep = spec.resolve_ref("#/components/schemas/Keep")
    assert keep["properties"]["moat"]["type"] == ["string", "null"]  # not rewritten
    validator = spec.validator_for(keep)
    assert validator.is_valid({"id": 1, "name": "Dover", "moat": None})
    assert validator.is_valid({"id": 1, "name": "Dover", "moat": "water"})
    assert not validator.is_valid({"id": 1, "name": "Dover", "moat": 3})
    # 2020-12 semantics: exclusiveMinimum is a number
    op = spec.operations[0]
    id_schema = op.parameters[0].schema
    assert spec.validator_for(id_schema).is_valid(1)
    assert not spec.validator_for(id_schema).is_valid(0)
    assert op.responses["200"].content["application/json"].examples["dover"].value["moat"] is None


def test_openapi_30_nullable_and_draft4_semantics() -> None:
    spec = load_spec_text(
        """
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Moat:
      type: string
      nullable: true
    Depth:
      type: number
      minimum: 0
      exclusiveMinimum: true
""",
        validate=False,
    )
    moat = spec.validator_for(spec.resolve_ref("#/components/schemas/Moat"))
    assert moat.is_valid(None)
    assert moat.is_valid("water")
    assert not moat.is_valid(3)
    depth = spec.validator_for(spec.resolve_ref("#/components/schemas/Depth"))
    assert depth.is_valid(0.5)
    assert not depth.is_valid(0)


def test_swagger_20_is_normalised() -> None:
    spec = load_spec(SPECS / "swagger2.yaml")
    assert spec.openapi_version == "2.0"
    assert spec.servers[0].base_paths == ("/v1",)
    assert spec.servers[0].url == "https://castles.example.com/v1"

    listing = spec.operation("listCastles")
    assert listing is not None
    tags = listing.parameter("tags", "query")
    assert tags is not None
    assert tags.schema == {"type": "array", "items": {"type": "string"}}
    assert (tags.style, tags.explode) == ("form", True)  # collectionFormat: multi
    ok = listing.responses["200"].content["application/json"]
    assert ok.schema == {"type": "array", "items": {"$ref": "#/definitions/Castle"}}
    assert ok.example is not None
    assert ok.example.value[0]["name"] == "Château de Versailles"

    create = spec.operation("createCastle")
    assert create is not None
    assert create.request_body is not None
    assert create.request_body.required
    body = create.request_body.content["application/json"]
    assert body.schema == {"$ref": "#/definitions/Castle"}
    assert create.responses["201"].headers["Location"].schema == {"type": "string"}

    portrait = spec.operation("put_castles_id_portrait")
    assert portrait is not None
    assert portrait.request_body is not None
    form = portrait.request_body.content["multipart/form-data"]
    assert form.schema is not None
    assert form.schema["properties"]["image"] == {"type": "string", "format": "binary"}
    assert form.schema["required"] == ["image"]
    castle_id = portrait.parameter("id", "path")
    assert castle_id is not None
    assert castle_id.schema == {"type": "integer"}
    assert portrait.responses["default"].content["application/json"].schema == {
        "$ref": "#/definitions/Error"
    }

    # definitions refs (recursive here) resolve for validation, with draft 4 semantics
    validator = spec.validator_for(body.schema)
    assert validator.is_valid({"name": "Versailles", "parent": {"name": "Île-de-France"}})
    assert not validator.is_valid({"name": "Versailles", "parent": {"id": 2}})


def test_swagger_version_as_a_number_loads_with_a_warning() -> None:
    spec = load_spec_text(
        "swagger: 2.0\ninfo: {title: t, version: '1'}\npaths: {}\n", validate=False
    )
    assert spec.openapi_version == "2.0"
    assert any("should be a string" in w.message and w.line == 1 for w in spec.warnings)


def test_multifile_refs_are_bundled_into_one_document() -> None:
    root = SPECS / "multifile" / "openapi.yaml"
    spec = load_spec(root)
    assert spec.warnings == ()
    assert set(spec.files) == {
        root,
        SPECS / "multifile" / "paths" / "castles.yaml",
        SPECS / "multifile" / "paths" / "castle.yaml",
        SPECS / "multifile" / "schemas" / "castle.yaml",
        SPECS / "multifile" / "schemas" / "dragon.yaml",
        SPECS / "multifile" / "schemas" / "params.yaml",
        SPECS / "multifile" / "schemas" / "responses.yaml",
        SPECS / "multifile" / "schemas" / "common" / "geo.yaml",
    }
    assert spec.files[0] == root
    refs = set(all_refs(spec.document))
    assert all(ref.startswith("#/components/") for ref in refs), refs
    schemas = spec.document["components"]["schemas"]
    assert set(schemas) == {
        "Error",
        "Castle",
        "CastleCreate",
        "Region",
        "Dragon",
        "Location",
        "Coordinates",
    }
    # a file's refs to its own parts point to the right things in the bundle
    assert schemas["Castle"]["allOf"][0] == {"$ref": "#/components/schemas/CastleCreate"}
    assert schemas["Location"]["properties"]["region"] == {"$ref": "#/components/schemas/Region"}

    get = spec.operation("getCastle")
    assert get is not None
    assert get.path == "/castles/{id}"
    assert get.file == SPECS / "multifile" / "paths" / "castle.yaml"
    assert get.line == 4
    # a parameter ref from another file back into the root's components
    assert [(p.name, p.location, (p.schema or {}).get("format")) for p in get.parameters] == [
        ("id", "path", "uuid")
    ]
    assert get.responses["404"].description == "no such castle"
    listing = spec.operation("listCastles")
    assert listing is not None
    region = listing.parameter("region", "query")
    assert region is not None
    assert region.schema == {"$ref": "#/components/schemas/Region"}


def test_multifile_cross_file_recursion_validates() -> None:
    spec = load_spec(SPECS / "multifile" / "openapi.yaml")
    # formats unchecked: the nested "lair" keeps a short id, this is about recursion
    castle = spec.validator_for(spec.schema_ref("#/components/schemas/Castle"), check_formats=False)
    good = {
        "id": "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90",
        "name": "Château de Versailles",
        "region": "Île-de-France",
        "location": {"region": "Île-de-France", "coordinates": [48.8, 2.12]},
        "keeper": {
            "name": "Smaug",
            "lair": {"id": "x", "name": "Erebor", "region": "Bretagne"},
        },
    }
    assert castle.is_valid(good)
    bad = {**good, "keeper": {"name": "Smaug", "lair": {"id": "x", "name": "Erebor"}}}
    errors = list(castle.iter_errors(bad))
    assert errors
    assert any(list(e.absolute_path) == ["keeper", "lair"] for e in errors) or any(
        "region" in str(e) for e in errors
    )


def test_recursive_schemas() -> None:
    spec = load_spec(SPECS / "recursive.yaml")
    assert spec.warnings == ()
    tree = spec.operation("getTree")
    assert tree is not None
    schema = tree.responses["200"].content["application/json"].schema
    assert schema == {"$ref": "#/components/schemas/Node"}  # kept, resolved lazily
    validator = spec.validator_for(schema)
    nested = {"name": "root", "children": [{"name": "a", "children": [{"name": "b"}]}]}
    assert validator.is_valid(nested)
    bad = {"name": "root", "children": [{"name": "a", "children": [{"name": 7}]}]}
    errors = list(validator.iter_errors(bad))
    assert [list(e.absolute_path) for e in errors] == [["children", 0, "children", 0, "name"]]

    chain = spec.operation("getChain")
    assert chain is not None
    a = spec.validator_for(chain.responses["200"].content["application/json"].schema)
    assert a.is_valid({"a": 1, "b": {"b": "x", "a": {"a": 2, "b": {"b": "y"}}}})
    assert not a.is_valid({"a": 1, "b": {"b": "x", "a": {"b": {"b": "y"}}}})  # inner a missing


def test_schema_registry_works_with_plain_jsonschema() -> None:
    from jsonschema import Draft4Validator  # type: ignore[import-untyped,unused-ignore]

    spec = load_spec(SPECS / "recursive.yaml")
    validator = Draft4Validator(
        spec.schema_ref("#/components/schemas/Node"), registry=spec.schema_registry()
    )
    assert validator.is_valid({"name": "n", "children": [{"name": "m"}]})
    assert not validator.is_valid({"name": "n", "children": [{}]})


def test_yaml_anchors_and_refs_into_a_file_with_anchors() -> None:
    spec = load_spec(SPECS / "anchors" / "openapi.yaml")
    assert SPECS / "anchors" / "shared.yaml" in spec.files
    schemas = spec.document["components"]["schemas"]
    assert set(schemas["Castle"]["properties"]) == {"name", "built"}
    assert set(schemas["Tower"]["properties"]) == {"name", "built", "height"}  # << merge
    castle, tower = spec.operations
    assert [p.name for p in castle.parameters] == [p.name for p in tower.parameters] == ["id"]
    assert castle.responses["404"].description == "not found"
    assert tower.responses["404"].description == "no such tower"  # merge key overridden
    assert tower.responses["404"].content["application/json"].schema == {
        "$ref": "#/components/schemas/Error"
    }
    validator = spec.validator_for(tower.responses["200"].content["application/json"].schema)
    assert validator.is_valid({"name": "Keep", "height": 30})
    assert not validator.is_valid({"name": "", "height": 30})


def test_invalid_regex_loads_with_a_warning_naming_the_place() -> None:
    path = SPECS / "invalid-regex.yaml"
    spec = load_spec(path)
    [warning] = [w for w in spec.warnings if w.source == "regex"]
    assert warning.file == path
    assert (warning.line, warning.column) == (12, 13)
    assert warning.pointer == "/paths/~1castles/get/parameters/0/schema/pattern"
    assert "'[A-Z'" in warning.message
    assert str(warning).startswith(f"{display_path(path)}:12:13: paths./castles.get.")
    op = spec.operations[0]
    code = op.parameter("code", "query")
    assert code is not None
    assert spec.validator_for(code.schema).is_valid("anything")  # ignored, not a crash
    # an ECMA named group, which Python spells differently, is understood
    ref = op.parameter("ref", "query")
    assert ref is not None
    assert spec.validator_for(ref.schema).is_valid("FR-12")
    assert not spec.validator_for(ref.schema).is_valid("fr-12")


def test_validator_complaints_are_warnings_with_places() -> None:
    path = SPECS / "lenient.yaml"
    spec = load_spec(path)
    assert [op.operation_id for op in spec.operations] == ["getCastle"]
    assert spec.match("GET", "/castles/1").matched
    by_line = {w.line: w for w in spec.warnings}
    assert all(w.file == path and w.source == "validator" for w in spec.warnings)
    assert "'description' is a required property" in by_line[9].message
    assert by_line[9].pointer == "/paths/~1castles~1{id}/get/responses/200"
    assert "'long ago' is not of type 'integer'" in by_line[20].message
    assert "nickname" in by_line[13].message
    assert "Path parameter 'id'" in by_line[6].message
    assert load_spec(path, validate=False).warnings == ()
    assert len(load_spec(path, validate=False).validation_warnings()) == len(spec.warnings)


def test_validator_warnings_inside_other_files_name_that_file(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(
        """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    $ref: paths.yaml#/a
""",
        encoding="utf-8",
    )
    (tmp_path / "paths.yaml").write_text(
        """a:
  get:
    responses:
      "200":
        descriptio: typo
""",
        encoding="utf-8",
    )
    spec = load_spec(tmp_path / "openapi.yaml")
    [warning] = spec.warnings
    assert warning.file == tmp_path / "paths.yaml"
    assert warning.line == 4
    assert warning.pointer == "/a/get/responses/200"


def test_duplicate_yaml_keys_are_a_warning() -> None:
    spec = load_spec_text(
        """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses: {"200": {description: first}}
    get:
      responses: {"200": {description: second}}
""",
        validate=False,
    )
    [warning] = spec.warnings
    assert warning.source == "yaml"
    assert warning.line == 7
    assert "duplicate key 'get'" in warning.message
    assert spec.operations[0].responses["200"].description == "second"


def test_yaml_quirks_do_not_leak_into_the_document() -> None:
    spec = load_spec_text(
        """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        200:
          description: unquoted status code
          content:
            application/json:
              example: {built: 2024-01-31, at: 2024-01-31T10:00:00Z}
""",
        validate=False,
    )
    response = spec.operations[0].responses["200"]
    example = response.content["application/json"].example
    assert example is not None
    assert example.value == {"built": "2024-01-31", "at": "2024-01-31T10:00:00Z"}


def test_load_spec_text_and_refs(tmp_path: Path) -> None:
    text = (SPECS / "relative-servers.yaml").read_text(encoding="utf-8")
    spec = load_spec_text(text, "relative.yaml")
    assert spec.files == ()
    assert spec.match("GET", "/api/castles").matched

    with_ref = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a: {$ref: "a.yaml"}\n'
    with pytest.raises(SpecError, match="cannot refer to other files") as caught:
        load_spec_text(with_ref, "inline.yaml")
    assert caught.value.line == 4
    (tmp_path / "a.yaml").write_text(
        'get: {operationId: getA, responses: {"200": {description: ok}}}\n', encoding="utf-8"
    )
    spec = load_spec_text(with_ref, "inline.yaml", base_dir=tmp_path)
    assert spec.files == (tmp_path / "a.yaml",)
    assert spec.operations[0].operation_id == "getA"


def test_resolve_ref_deref_and_locate() -> None:
    spec = load_spec(SPECS / "multifile" / "openapi.yaml")
    error = spec.resolve_ref("#/components/schemas/Error")
    assert error["required"] == ["error"]
    item = spec.document["paths"]["/castles/{id}"]
    assert spec.deref(item["parameters"][0])["name"] == "id"
    assert spec.deref({"type": "string"}) == {"type": "string"}
    with pytest.raises(SpecError, match="has no 'Nope'"):
        spec.resolve_ref("#/components/schemas/Nope")
    # a place in the bundle is traced back to the file it came from
    file, line, _column = spec.locate("/components/schemas/Dragon/properties/lair")
    assert file == SPECS / "multifile" / "schemas" / "dragon.yaml"
    assert line == 6
    file, line, _column = spec.locate("/paths/~1castles/post/responses/400/description")
    assert file == SPECS / "multifile" / "schemas" / "responses.yaml"
    assert line == 2


def test_hoisted_names_do_not_collide(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "things.yaml").write_text("Thing: {type: string}\n", encoding="utf-8")
    (tmp_path / "b" / "things.yaml").write_text("Thing: {type: integer}\n", encoding="utf-8")
    (tmp_path / "openapi.yaml").write_text(
        """openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Thing: {type: boolean}
    Pair:
      type: object
      properties:
        a: {$ref: a/things.yaml#/Thing}
        b: {$ref: b/things.yaml#/Thing}
""",
        encoding="utf-8",
    )
    spec = load_spec(tmp_path / "openapi.yaml")
    schemas = spec.document["components"]["schemas"]
    pair = schemas["Pair"]["properties"]
    a_name = pair["a"]["$ref"].rsplit("/", 1)[1]
    b_name = pair["b"]["$ref"].rsplit("/", 1)[1]
    assert len({"Thing", a_name, b_name}) == 3
    assert schemas[a_name] == {"type": "string"}
    assert schemas[b_name] == {"type": "integer"}
    assert schemas["Thing"] == {"type": "boolean"}
