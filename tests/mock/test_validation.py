"""Request validation: bodies, media types, Accept, statuses; and `Spec.validator_for`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.mock.messages import MockRequest
from entente_daemon.mock.validation.bodies import parse_body
from entente_daemon.mock.validation.request import RequestCheck, Violation, validate_request
from entente_daemon.mock.validation.request_plan import plan_for
from entente_daemon.openapi import Spec, load_spec, load_spec_text

ROOT = Path(__file__).resolve().parents[2]
CASTLE = ROOT / "examples" / "castle-service" / "openapi.yaml"
SPECS = ROOT / "tests" / "specs"

CHAMBORD = {"name": "Château de Chambord", "region": "Centre-Val de Loire", "yearBuilt": 1519}


@pytest.fixture(scope="module")
def castle() -> Spec:
    return load_spec(CASTLE)


def send(
    spec: Spec,
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str | None = "application/json",
    headers: tuple[tuple[str, str], ...] = (),
    query: str = "",
) -> RequestCheck:
    found = spec.match(method, path)
    assert found.operation is not None, found
    sent = headers + ((("content-type", content_type),) if content_type and body else ())
    request = MockRequest(method, path, query, sent, body)
    return validate_request(spec, found.operation, found.path_params, request)


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()


def where(check: RequestCheck) -> list[tuple[str, str | None]]:
    return [(v.location, v.name) for v in check.violations]


# --------------------------------------------------------------------------- bodies


def test_a_valid_request_is_read(castle: Spec) -> None:
    check = send(castle, "POST", "/castles", as_json(CHAMBORD))
    assert check.violations == ()
    assert check.status == 200
    assert check.body == CHAMBORD
    assert check.media_type == "application/json"


def test_every_body_violation_is_reported_with_its_pointer(castle: Spec) -> None:
    body = {"name": "", "region": 3, "yearBuilt": 999, "description": ["not", "text"]}
    check = send(castle, "POST", "/castles", as_json(body))
    assert sorted(where(check)) == [
        ("body", "/description"),
        ("body", "/name"),
        ("body", "/region"),
        ("body", "/yearBuilt"),
    ]
    messages = {v.name: v.message for v in check.violations}
    assert messages["/yearBuilt"] == "request body at /yearBuilt must be ≥ 1000 (got 999)"
    assert messages["/region"] == "request body at /region must be a string (got 3)"
    assert "at least 1 character" in messages["/name"]
    assert check.status == 400
    assert check.body == body  # still parsed, for recording


def test_missing_required_properties_point_where_they_belong(castle: Spec) -> None:
    check = send(castle, "POST", "/castles", as_json({"name": "Chambord"}))
    assert where(check) == [("body", "/region"), ("body", "/yearBuilt")]
    assert check.violations[0].message == ("request body is missing required property 'region'")


def test_required_body_missing(castle: Spec) -> None:
    check = send(castle, "POST", "/castles", b"")
    assert where(check) == [("body", None)]
    assert "request body is required by createCastle" in check.violations[0].message
    assert "application/json" in check.violations[0].message
    assert check.body is None


def test_malformed_json_gives_line_and_column(castle: Spec) -> None:
    check = send(castle, "POST", "/castles", b'{"name": "Chambord",\n  "region": }')
    assert where(check) == [("body", None)]
    message = check.violations[0].message
    assert message.startswith("request body is not valid JSON: Expecting value")
    assert "(line 2, column 13)" in message
    assert check.status == 400
    assert check.body == '{"name": "Chambord",\n  "region": }'  # the text, for recording


def test_unsupported_media_type_is_415_listing_the_accepted_ones(castle: Spec) -> None:
    check = send(castle, "POST", "/castles", b"name=Chambord", "application/x-www-form-urlencoded")
    assert where(check) == [("content-type", None)]
    assert check.violations[0].status == 415
    assert check.status == 415
    assert "'application/x-www-form-urlencoded' is not supported by createCastle" in (
        check.violations[0].message
    )
    assert check.violations[0].message.endswith("send one of: application/json")
    assert check.media_type is None


def test_a_body_without_content_type_is_415(castle: Spec) -> None:
    check = send(castle, "POST", "/castles", as_json(CHAMBORD), content_type=None)
    assert where(check) == [("content-type", None)]
    assert "no Content-Type" in check.violations[0].message
    assert check.status == 415


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-8",
        "Application/JSON",
        "APPLICATION/JSON;CHARSET=UTF-8",
        "application/merge-patch+json",  # +json read as JSON where the spec says JSON
    ],
)
def test_media_type_parameters_case_and_json_suffix(castle: Spec, content_type: str) -> None:
    check = send(castle, "POST", "/castles", as_json(CHAMBORD), content_type)
    assert check.violations == ()
    assert check.media_type == "application/json"
    assert check.body == CHAMBORD


def test_json_suffix_bodies_are_still_validated(castle: Spec) -> None:
    check = send(
        castle, "POST", "/castles", as_json({**CHAMBORD, "yearBuilt": 1}), "application/vnd.x+json"
    )
    assert where(check) == [("body", "/yearBuilt")]


FORMS = {
    "openapi": "3.0.3",
    "info": {"title": "forms", "version": "1"},
    "paths": {
        "/keeps": {
            "post": {
                "operationId": "createKeep",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/*+json": {"schema": {"$ref": "#/components/schemas/Keep"}},
                        "application/x-www-form-urlencoded": {
                            "schema": {"$ref": "#/components/schemas/Keep"},
                            "encoding": {"floors": {"style": "form", "explode": False}},
                        },
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["name", "plan"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "floors": {"type": "integer", "maximum": 9},
                                    "plan": {"type": "string", "format": "binary"},
                                    "meta": {
                                        "type": "object",
                                        "properties": {"a": {"type": "integer"}},
                                    },
                                },
                            }
                        },
                        "text/plain": {"schema": {"type": "string", "maxLength": 5}},
                    },
                },
                "responses": {
                    "201": {
                        "description": "made",
                        "content": {"application/json": {"schema": {}}},
                    },
                    "400": {
                        "description": "bad",
                        "content": {"application/problem+json": {"schema": {}}},
                    },
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Keep": {
                "type": "object",
                "required": ["id", "name", "towers"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "name": {"type": "string"},
                    "towers": {"type": "integer", "minimum": 1},
                    "moats": {"type": "array", "items": {"type": "string", "maxLength": 5}},
                    "floors": {"type": "array", "items": {"type": "integer"}},
                    "keeper": {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Who"}]},
                },
            },
            "Who": {"type": "object", "properties": {"name": {"type": "string"}}},
        }
    },
}


@pytest.fixture(scope="module")
def forms() -> Spec:
    return load_spec_text(json.dumps(FORMS), "openapi.json", validate=False)


def test_read_only_properties_must_not_be_sent(forms: Spec) -> None:
    # readOnly "id" is required, yet may (and must) be left out of a request
    ok = send(forms, "POST", "/keeps", as_json({"name": "Dover", "towers": 4}))
    assert ok.violations == ()
    assert ok.media_type == "application/*+json"  # the pattern covers plain JSON too
    check = send(forms, "POST", "/keeps", as_json({"id": 7, "name": "Dover", "towers": 4}))
    assert where(check) == [("body", "/id")]
    assert check.violations[0].message == (
        "request body at /id is readOnly and must not be sent in a request (got 7)"
    )


def test_nullable_ref_accepts_null(forms: Spec) -> None:
    body = {"name": "Dover", "towers": 4, "keeper": None}
    assert send(forms, "POST", "/keeps", as_json(body)).violations == ()
    wrong = send(forms, "POST", "/keeps", as_json({**body, "keeper": 3}))
    assert where(wrong) == [("body", "/keeper")]


def test_form_bodies_are_typed_then_validated(forms: Spec) -> None:
    form = "application/x-www-form-urlencoded"
    ok = send(forms, "POST", "/keeps", b"name=Dover&towers=4&moats=inner&moats=outer", form)
    assert ok.violations == ()
    assert ok.body == {"name": "Dover", "towers": "4", "moats": ["inner", "outer"]}
    assert ok.media_type == form
    bad = send(forms, "POST", "/keeps", b"name=Dover&towers=0", form)
    assert where(bad) == [("body", "/towers")]
    assert "must be ≥ 1 (got 0)" in bad.violations[0].message


def test_form_arrays_follow_their_encoding(forms: Spec) -> None:
    form = "application/x-www-form-urlencoded"
    # floors: explode false, one comma-separated value; moats: exploded (the default)
    assert send(forms, "POST", "/keeps", b"name=D&towers=1&floors=1,2&moats=a,b", form).valid
    check = send(forms, "POST", "/keeps", b"name=D&towers=1&floors=1,x&moats=inner,outer", form)
    assert sorted(where(check)) == [("body", "/floors/1"), ("body", "/moats/0")]


def test_swagger2_form_arrays_are_csv() -> None:
    document = {
        "swagger": "2.0",
        "info": {"title": "forms", "version": "1"},
        "paths": {
            "/f": {
                "post": {
                    "consumes": ["application/x-www-form-urlencoded"],
                    "parameters": [
                        {
                            "name": "ids",
                            "in": "formData",
                            "type": "array",
                            "items": {"type": "integer"},
                        }
                    ],
                    "responses": {"204": {"description": "ok"}},
                }
            }
        },
    }
    spec = load_spec_text(json.dumps(document), "swagger.json", validate=False)
    form = "application/x-www-form-urlencoded"
    assert send(spec, "POST", "/f", b"ids=1,2", form).valid
    assert send(spec, "POST", "/f", b"ids=1&ids=2", form).valid
    assert where(send(spec, "POST", "/f", b"ids=1,x", form)) == [("body", "/ids/1")]


def multipart(*parts: tuple[str, str | None, str | None, bytes]) -> bytes:
    out = b""
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += b"--B0UND\r\nContent-Disposition: " + disposition.encode() + b"\r\n"
        if content_type:
            out += b"Content-Type: " + content_type.encode() + b"\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + b"--B0UND--\r\n"


def test_multipart_fields_files_and_json_parts(forms: Spec) -> None:
    body = multipart(
        ("name", None, None, "Hérault".encode()),
        ("floors", None, None, b"3"),
        ("plan", "plan.png", "image/png", b"\x89PNG\r\n\x00\xff"),
        ("meta", None, "application/json", b'{"a": 1}'),
    )
    content_type = "multipart/form-data; boundary=B0UND"
    check = send(forms, "POST", "/keeps", body, content_type)
    assert check.violations == ()
    assert check.body == {"name": "Hérault", "floors": "3", "plan": None, "meta": {"a": 1}}
    assert check.media_type == "multipart/form-data"
    bad = multipart(("floors", None, None, b"12"), ("meta", None, "application/json", b'{"a":"x"}'))
    check = send(forms, "POST", "/keeps", bad, content_type)
    assert sorted(where(check)) == [
        ("body", "/floors"),
        ("body", "/meta/a"),
        ("body", "/name"),
        ("body", "/plan"),
    ]
    broken = send(forms, "POST", "/keeps", b"no parts", "multipart/form-data")
    assert where(broken) == [("body", None)]
    assert "boundary" in broken.violations[0].message


def test_text_bodies(forms: Spec) -> None:
    assert send(forms, "POST", "/keeps", b"short", "text/plain").body == "short"
    check = send(forms, "POST", "/keeps", b"much too long", "text/plain; charset=utf-8")
    assert where(check) == [("body", "")]
    assert check.violations[0].message.startswith("request body must be a string of at most 5")


# --------------------------------------------------------------------------- Accept, status


def test_unacceptable_accept_is_406(forms: Spec) -> None:
    body = as_json({"name": "Dover", "towers": 4})
    check = send(forms, "POST", "/keeps", body, headers=(("accept", "text/html"),))
    assert where(check) == [("accept", None)]
    assert check.violations[0].status == 406
    assert check.status == 406
    assert "application/json, application/problem+json" in check.violations[0].message
    for accept in ("application/json", "application/problem+json", "*/*", "text/html, */*;q=0.1"):
        assert send(forms, "POST", "/keeps", body, headers=(("accept", accept),)).valid


def test_accept_is_not_checked_when_an_answer_can_be_empty(castle: Spec) -> None:
    # deleteCastle answers 204 without content: any Accept can be satisfied
    path = "/castles/3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
    assert send(castle, "DELETE", path, headers=(("accept", "image/png"),)).valid
    assert where(send(castle, "GET", path, headers=(("accept", "image/png"),))) == [
        ("accept", None)
    ]


def test_violations_together(forms: Spec) -> None:
    check = send(forms, "POST", "/keeps", b"x", "image/png", headers=(("accept", "text/html"),))
    assert where(check) == [("content-type", None), ("accept", None)]
    assert check.status == 415


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((), 200),
        ((400,), 400),
        ((415,), 415),
        ((406,), 406),
        ((415, 415), 415),
        ((406, 415), 415),
        ((415, 400), 400),
        ((406, 400, 415), 400),
    ],
)
def test_status_rule(statuses: tuple[int, ...], expected: int) -> None:
    violations = tuple(Violation("body", None, "x", status) for status in statuses)
    check = RequestCheck(violations, None, None, {}, {}, {}, {})
    assert check.status == expected


def test_violation_json() -> None:
    violation = Violation("query", "limit", "query parameter 'limit' must be an integer", 400)
    assert violation.to_json() == {
        "location": "query",
        "name": "limit",
        "message": "query parameter 'limit' must be an integer",
    }


def test_path_parameter_format(castle: Spec) -> None:
    check = send(castle, "GET", "/castles/not-a-uuid")
    assert check.violations == (
        Violation(
            "path", "id", "path parameter 'id' must be a string in uuid format (got 'not-a-uuid')"
        ),
    )


# --------------------------------------------------------------------------- Swagger 2.0, 3.1


def test_swagger2_body_against_definitions() -> None:
    spec = load_spec(SPECS / "swagger2.yaml")
    ok = send(spec, "POST", "/v1/castles", as_json({"name": "Caen", "parent": {"name": "Rouen"}}))
    assert ok.violations == ()
    bad = send(spec, "POST", "/v1/castles", as_json({"id": "1", "parent": {"id": 2}}))
    assert sorted(where(bad)) == [
        ("body", "/id"),
        ("body", "/name"),
        ("body", "/parent/name"),
    ]


def test_openapi31_types() -> None:
    spec = load_spec(SPECS / "openapi31.yaml")
    assert send(spec, "GET", "/keeps/3").path == {"id": 3}
    check = send(spec, "GET", "/keeps/0")
    assert where(check) == [("path", "id")]
    assert "must be an integer > 0 (got '0')" in check.violations[0].message


# --------------------------------------------------------------------------- plumbing


def test_plans_are_made_once_per_operation(castle: Spec) -> None:
    operation = castle.operation("createCastle")
    assert operation is not None
    assert plan_for(castle, operation) is plan_for(castle, operation)
    other = load_spec(CASTLE)
    other_operation = other.operation("createCastle")
    assert other_operation is not None
    assert plan_for(other, other_operation) is not plan_for(castle, operation)


def test_parse_body_never_raises() -> None:
    assert parse_body("application/json", b'{"a": [1, 2]}') == {"a": [1, 2]}
    assert parse_body("application/problem+json", b'{"a": 1}') == {"a": 1}
    assert parse_body("application/json", b"{oops") == "{oops"
    assert parse_body("application/json", b"\xc3\x28") is None  # neither JSON nor text
    assert parse_body("application/json", b"") is None
    assert parse_body("text/plain; charset=latin-1", "café".encode("latin-1")) == "café"
    assert parse_body("application/octet-stream", b"\x00\x01") is None
    assert parse_body("application/x-www-form-urlencoded", b"a=1&a=2&b=") == {
        "a": ["1", "2"],
        "b": "",
    }
    assert parse_body(None, b'{"a": 1}') == {"a": 1}
    assert parse_body(None, b"plain") == "plain"
    assert parse_body("application/json", b"[" * 100_000) == "[" * 100_000


# --------------------------------------------------------------------------- Spec.validator_for


def test_validators_are_cached_per_schema_and_direction(castle: Spec) -> None:
    schema = castle.resolve_ref("#/components/schemas/Castle")
    request = castle.validator_for(schema, direction="request")
    assert castle.validator_for(schema, direction="request") is request
    assert castle.validator_for(schema, direction="response") is not request
    versailles = {"name": "Versailles", "region": "IdF", "yearBuilt": 1623}
    # read-only "id" is required in a response, forbidden in a request
    assert request.is_valid(versailles)
    assert not request.is_valid({**versailles, "id": "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"})
    response = castle.validator_for(schema, direction="response")
    assert not response.is_valid(versailles)
    assert response.is_valid({**versailles, "id": "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"})


def test_formats_are_checked_unless_asked_not_to(castle: Spec) -> None:
    schema = castle.resolve_ref("#/components/schemas/Castle")
    castle_value = {"id": "nope", "name": "V", "region": "IdF", "yearBuilt": 1623}
    assert not castle.validator_for(schema).is_valid(castle_value)
    assert castle.validator_for(schema, check_formats=False).is_valid(castle_value)


ODD_BODIES = [
    b"\x00\xff\xfe",
    b"[" * 50_000,
    b'{"a": "\\ud800"}',
    b"null",
    b"--x\r\nno headers\r\n--x--",
    "é".encode("utf-16"),
]
ODD_TYPES = [
    None,
    "application/json",
    "multipart/form-data; boundary=x",
    "multipart/form-data; boundary=",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "text/plain; charset=utf-7",
    ";;;",
    "*/*",
]


def test_odd_requests_never_raise(forms: Spec, castle: Spec) -> None:
    for body in ODD_BODIES:
        for content_type in ODD_TYPES:
            check = send(forms, "POST", "/keeps", body, content_type)
            assert check.status in (200, 400, 415)
            if content_type == "application/json":
                assert check.status == 400, body
    for query in ("%", "a[=1", "color[R][G]=1&color[R]=2", "&&&=&"):
        assert send(castle, "GET", "/castles", query=query).valid


def test_openapi31_dialects_and_converted_nullable() -> None:
    document = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": "dialect", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                # nullable is not 3.1, but specs converted from 3.0 keep it and mean it
                "Flag": {"type": "boolean", "nullable": True},
                "Pair": {"type": "array", "prefixItems": [{"type": "integer"}], "items": False},
            }
        },
    }
    spec = load_spec_text(json.dumps(document), "openapi.json", validate=False)
    flag = spec.validator_for(spec.resolve_ref("#/components/schemas/Flag"))
    assert flag.is_valid(None)
    assert flag.is_valid(True)
    assert not flag.is_valid("yes")
    pair = spec.validator_for(spec.resolve_ref("#/components/schemas/Pair"))  # 2020-12 keywords
    assert pair.is_valid([1])
    assert not pair.is_valid([1, 2])


def test_messages_never_repeat_credentials() -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "secrets", "version": "1"},
        "paths": {
            "/login": {
                "post": {
                    "parameters": [
                        {
                            "name": "X-Api-Key",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^k_[a-z]{8}$"},
                        },
                        {"name": "tenant", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "user": {"type": "string", "maxLength": 3},
                                        "pin": {
                                            "type": "string",
                                            "format": "password",
                                            "maxLength": 4,
                                        },
                                        "apiToken": {"type": "string", "maxLength": 4},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {"204": {"description": "in"}},
                }
            }
        },
    }
    spec = load_spec_text(json.dumps(document), "openapi.json", validate=False)
    body = {"user": "someone", "pin": "hunter22", "apiToken": "tok-s3cr3t"}
    check = send(
        spec,
        "POST",
        "/login",
        as_json(body),
        headers=(("x-api-key", "LEAKED-KEY"),),
        query="tenant=acme",
    )
    assert sorted(where(check)) == [
        ("body", "/apiToken"),
        ("body", "/pin"),
        ("body", "/user"),
        ("header", "X-Api-Key"),
        ("query", "tenant"),
    ]
    text = " ".join(v.message for v in check.violations)
    for secret in ("LEAKED-KEY", "hunter22", "tok-s3cr3t"):
        assert secret not in text
    assert "it may be a credential" in text
    assert "someone" in text  # ordinary values are still shown
    assert "acme" in text
