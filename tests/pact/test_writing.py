"""The export (`pact.writing`, `pact.loosening`): the matching-rule choice for volatile values,
the pact's shape per interaction, and every exported file valid against the published pact
JSON schemas (V3 and V4, bundled in ``schemas/`` with their license)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from entente_daemon.model import HttpRequest, HttpResponse, Interaction, MatchContext
from entente_daemon.openapi import load_spec
from entente_daemon.pact.loosening import UUID_REGEX, datetime_format, text_regex, value_rule
from entente_daemon.pact.reading import read_pact
from entente_daemon.pact.recorded import as_interactions
from entente_daemon.pact.writing import PactSpec, pact_document
from tests.pact.castle import SPEC, VERSAILLES

SCHEMAS = Path(__file__).with_name("schemas")


def schema(version: int) -> Any:
    return json.loads((SCHEMAS / f"pact-schema-v{version}.json").read_text("utf-8"))


# (value, field name, the spec's schema for it, the matchers chosen; None: equality)
CHOICES: list[tuple[Any, str | None, dict[str, Any] | None, list[dict[str, Any]] | None]] = [
    ("Versailles", "name", {"type": "string"}, None),
    (1623, "yearBuilt", {"type": "integer"}, None),
    (
        VERSAILLES,
        "id",
        {"type": "string", "format": "uuid"},
        [{"match": "regex", "regex": UUID_REGEX}],
    ),
    (VERSAILLES, "ref", None, [{"match": "regex", "regex": UUID_REGEX}]),
    (VERSAILLES, "id", {"enum": [VERSAILLES]}, None),  # the spec pins it
    (
        "A-12",
        "castleId",
        {"type": "string", "pattern": "^[A-Z]-[0-9]+$"},
        [{"match": "regex", "regex": "^[A-Z]-[0-9]+$"}],
    ),
    (42, "id", {"type": "integer"}, [{"match": "integer"}]),
    (4.5, "score_id", None, [{"match": "number"}]),
    ("x7", "orderId", None, [{"match": "type"}]),
    (
        "2026-12-02T16:45:00Z",
        "createdAt",
        None,
        [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ssXXX"}],
    ),
    (
        "2026-12-02T16:45:00.123+01:00",
        "when",
        None,
        [{"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}],
    ),
    (
        "2026-12-02",
        "day",
        {"type": "string", "format": "date"},
        [{"match": "date", "format": "yyyy-MM-dd"}],
    ),
    (1764693900, "updated_at", None, [{"match": "integer"}]),
    ("5f0c9a7e3b2d4c1a8e6f0b9d", "owner", None, [{"match": "type"}]),
    (True, "active", None, None),
]


@pytest.mark.parametrize(("value", "field", "spec_schema", "chosen"), CHOICES)
def test_the_rule_choice_for_a_value(
    value: Any, field: str | None, spec_schema: dict[str, Any] | None, chosen: Any
) -> None:
    assert value_rule(value, field, spec_schema) == chosen


def test_datetime_formats_and_header_regexes() -> None:
    assert datetime_format("2026-12-02 16:45") == "yyyy-MM-dd HH:mm"
    assert datetime_format("2026-12-02T16:45:00.1234567Z") is None  # beyond microseconds
    regex = text_regex(f"/castles/{VERSAILLES}")
    assert regex is not None
    assert regex.startswith("^/castles/")
    assert text_regex("application/json") is None


def castle_interaction(**changes: Any) -> Interaction:
    base = Interaction(
        consumer="castle-client",
        consumer_version="1.0.0",
        provider="castle-service",
        provider_version="1.0.0",
        operation_id="createCastle",
        request=HttpRequest(
            method="POST",
            path="/castles",
            headers={
                "content-type": "application/json",
                "authorization": "[REDACTED]",
                "user-agent": "x",
            },
            body={"name": "Chambord", "region": "Centre", "yearBuilt": 1519},
        ),
        response=HttpResponse(
            status=201,
            headers={
                "content-type": "application/json",
                "location": f"/castles/{VERSAILLES}",
                "date": "now",
            },
            body={"id": VERSAILLES, "name": "Chambord", "region": "Centre", "yearBuilt": 1519},
        ),
        test_id="tests/test_castles.py::test_create_castle",
        match=MatchContext(source="example"),
    )
    return base.model_copy(update=changes).with_hash()


def documents(interactions: list[Interaction]) -> dict[PactSpec, dict[str, Any]]:
    spec = load_spec(SPEC)
    return {
        version: pact_document(
            interactions,
            consumer="castle-client",
            provider="castle-service",
            spec=spec,
            specification=version,
        )
        for version in ("V4", "V3")
    }


def test_exported_files_validate_against_the_published_schemas() -> None:
    binary = castle_interaction(
        operation_id="getCastle",
        request=HttpRequest(method="GET", path=f"/castles/{VERSAILLES}"),
        response=HttpResponse(status=200, headers={"content-type": "image/png"}, body="PNG..."),
        test_id="t2",
    )
    imported = as_interactions(
        read_pact(
            {
                "consumer": {"name": "castle-client"},
                "provider": {"name": "castle-service"},
                "interactions": [
                    {
                        "description": "with rules",
                        "request": {"method": "GET", "path": "/castles"},
                        "response": {
                            "status": 200,
                            "body": [{"id": 1}],
                            "matchingRules": {
                                "body": {"$": {"matchers": [{"match": "type", "min": 1}]}}
                            },
                        },
                    }
                ],
            },
            "p.json",
        ),
        consumer_version="1.0.0",
    )
    written = documents([castle_interaction(), binary, *imported])
    jsonschema.Draft7Validator(schema(4)).validate(written["V4"])
    jsonschema.Draft7Validator(schema(3)).validate(written["V3"])
    v4 = written["V4"]["interactions"]
    assert v4[1]["response"]["body"] == {
        "content": base64.b64encode(b"PNG...").decode(),
        "contentType": "image/png",
        "contentTypeHint": "BINARY",
        "encoded": "base64",
    }
    # An imported pact's own rules are written back as they were read.
    assert v4[2]["response"]["matchingRules"] == {
        "body": {"$": {"combine": "AND", "matchers": [{"match": "type", "min": 1}]}}
    }


def test_a_schema_validation_catches_a_broken_document() -> None:
    written = documents([castle_interaction()])["V4"]
    written["interactions"][0]["response"]["status"] = 700
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema(4)).validate(written)


def test_one_interaction_shaped_for_pact() -> None:
    v4, v3 = (documents([castle_interaction()])[v]["interactions"][0] for v in ("V4", "V3"))
    assert v4["description"] == "createCastle (tests/test_castles.py::test_create_castle)"
    assert v4["key"] == castle_interaction().content_hash[:16]
    assert v4["providerStates"] == [{"name": "createCastle"}]
    assert v4["request"]["headers"] == {"content-type": ["application/json"]}  # no secrets
    assert v3["request"]["headers"] == {"content-type": "application/json"}
    assert set(v4["response"]["headers"]) == {"content-type", "location"}  # no date
    rules = v4["response"]["matchingRules"]
    assert rules["body"] == {
        "$.id": {"combine": "AND", "matchers": [{"match": "regex", "regex": UUID_REGEX}]}
    }
    assert rules["header"]["location"]["matchers"][0]["match"] == "regex"
    assert v3["response"]["body"]["name"] == "Chambord"


def test_a_generated_body_is_held_by_type_and_descriptions_stay_unique() -> None:
    generated = castle_interaction(match=MatchContext(source="generated"))
    twin = castle_interaction(response=generated.response.model_copy(update={"status": 400}))
    written = documents([generated, twin])["V4"]["interactions"]
    assert written[0]["response"]["matchingRules"]["body"]["$"]["matchers"] == [{"match": "type"}]
    assert written[0]["description"] != written[1]["description"]


def test_a_rule_every_item_shares_is_written_once_with_a_wildcard() -> None:
    listed = castle_interaction(
        operation_id="listCastles",
        request=HttpRequest(method="GET", path="/castles"),
        response=HttpResponse(
            status=200,
            headers={"content-type": "application/json"},
            body=[{"id": VERSAILLES, "name": "A"}, {"id": VERSAILLES, "name": "B"}],
        ),
    )
    mixed = castle_interaction(
        operation_id="listCastles",
        request=HttpRequest(method="GET", path="/castles"),
        response=HttpResponse(
            status=200,
            headers={"content-type": "application/json"},
            body=[{"ref": VERSAILLES}, {"ref": "Versailles"}],
        ),
        test_id="t3",
    )
    written = documents([listed, mixed])["V4"]["interactions"]
    assert list(written[0]["response"]["matchingRules"]["body"]) == ["$[*].id"]
    assert list(written[1]["response"]["matchingRules"]["body"]) == ["$[0].ref"]
