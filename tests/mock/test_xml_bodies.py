"""XML request bodies are read by OpenAPI's XML mapping and validated against their schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.messages import MockRequest
from entente_daemon.openapi import load_spec

PETSTORE = Path(__file__).resolve().parents[1] / "specs" / "public" / "swagger-petstore-v3"
HEADERS = (("content-type", "application/xml"), ("authorization", "Bearer t"))


@pytest.fixture(scope="module")
def engine() -> MockEngine:
    return MockEngine(load_spec(PETSTORE / "openapi.yaml"))


def post_pet(engine: MockEngine, body: bytes) -> tuple[int, dict[str, Any]]:
    response = engine.handle(MockRequest("POST", "/api/v3/pet", "", HEADERS, body)).response
    problem = json.loads(response.body) if response.status >= 400 else {}
    return response.status, problem


def test_a_well_formed_xml_body_is_accepted(engine: MockEngine) -> None:
    status, _ = post_pet(
        engine, b"<pet><name>doggie</name><photoUrls><photoUrl>x</photoUrl></photoUrls></pet>"
    )
    assert status == 200


def test_a_malformed_xml_body_is_refused_with_its_place(engine: MockEngine) -> None:
    status, problem = post_pet(engine, b"<pet><name>doggie</pet>")
    assert status == 400
    [violation] = problem["violations"]
    assert "not well-formed XML: mismatched tag: line 1, column" in violation["message"]


def test_a_doctype_is_refused_unparsed(engine: MockEngine) -> None:
    body = b'<!DOCTYPE pet [<!ENTITY a "aaaa">]><pet><name>&a;</name></pet>'
    status, problem = post_pet(engine, body)
    assert status == 400
    assert "DOCTYPE or ENTITY" in json.dumps(problem)


def test_a_wrongly_typed_xml_body_is_refused_by_the_schema(engine: MockEngine) -> None:
    body = b"<pet><id>x</id><name>doggie</name><photoUrls><photoUrl>u</photoUrl></photoUrls></pet>"
    status, problem = post_pet(engine, body)
    assert status == 400
    [violation] = problem["violations"]
    assert violation["name"] == "/id"


def test_a_missing_required_element_is_refused(engine: MockEngine) -> None:
    status, problem = post_pet(engine, b"<pet><name>doggie</name></pet>")
    assert status == 400
    assert [v["name"] for v in problem["violations"]] == ["/photoUrls"]


def test_text_where_an_object_belongs_is_refused(engine: MockEngine) -> None:
    status, problem = post_pet(engine, b"<pet>true</pet>")
    assert status == 400
    assert "must be an object" in json.dumps(problem)
