"""Swagger 2.0 operations in the OpenAPI 3 shape of the index.

* ``in: body`` becomes the request body, with one media type per ``consumes`` entry;
* ``in: formData`` parameters become an object schema under the form media types;
* other parameters get a ``schema`` built from their JSON-Schema-like fields, and
  ``collectionFormat`` becomes ``style``/``explode``;
* a response's ``schema`` and ``examples`` are put under each ``produces`` media type;
* response headers get a ``schema`` the same way.

Schemas are not rewritten: ``#/definitions/...`` refs keep working against the document,
whose ``definitions`` the validators use with draft 4 semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from entente_daemon.openapi import pointer as jp
from entente_daemon.openapi.model import (
    Example,
    Header,
    MediaType,
    Parameter,
    RequestBody,
    Response,
)

DEFAULT_MEDIA_TYPE = "application/json"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

_SCHEMA_FIELDS = (
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
)

#: collectionFormat → (style in query/formData, style in path/header, explode)
_COLLECTION_FORMATS: dict[str, tuple[str, str, bool]] = {
    "csv": ("form", "simple", False),
    "ssv": ("spaceDelimited", "spaceDelimited", False),
    "pipes": ("pipeDelimited", "pipeDelimited", False),
    "tsv": ("tabDelimited", "tabDelimited", False),  # no OpenAPI 3 equivalent
    "multi": ("form", "form", True),
}


def media_types(operation: dict[str, Any], document: dict[str, Any], key: str) -> list[str]:
    """``consumes`` or ``produces`` of the operation, else of the document, else JSON."""
    for owner in (operation, document):
        value = owner.get(key)
        if isinstance(value, list) and value:
            return [str(v) for v in value]
    return [DEFAULT_MEDIA_TYPE]


def simple_schema(raw: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a non-body parameter, header or ``items`` object."""
    schema: dict[str, Any] = {k: raw[k] for k in _SCHEMA_FIELDS if k in raw}
    if schema.get("type") == "file":
        schema["type"] = "string"
        schema["format"] = "binary"
    items = schema.get("items")
    if isinstance(items, dict) and "$ref" not in items:
        schema["items"] = simple_schema(items)
    if raw.get("x-nullable") is True:
        schema["x-nullable"] = True
    return schema


def parameters(
    raw_parameters: list[tuple[dict[str, Any], str]],
    operation: dict[str, Any],
    document: dict[str, Any],
) -> tuple[list[Parameter], RequestBody | None]:
    """Index parameters and the request body from merged, dereferenced 2.0 parameters."""
    found: list[Parameter] = []
    body: RequestBody | None = None
    form: list[tuple[dict[str, Any], str]] = []
    consumes = media_types(operation, document, "consumes")
    for raw, pointer in raw_parameters:
        location = raw.get("in")
        if location == "body":
            schema = raw.get("schema")
            body = RequestBody(
                required=bool(raw.get("required", False)),
                description=raw.get("description"),
                content={
                    mt: MediaType(mt, schema, pointer=jp.join(pointer, "schema")) for mt in consumes
                },
                pointer=pointer,
            )
        elif location == "formData":
            form.append((raw, pointer))
        elif location in ("query", "header", "path"):
            found.append(_parameter(raw, pointer, location))
    if form and body is None:
        body = _form_body(form, consumes)
    return found, body


def _parameter(raw: dict[str, Any], pointer: str, location: str) -> Parameter:
    schema = simple_schema(raw)
    if schema.get("type") == "array":
        query_style, path_style, explode = _COLLECTION_FORMATS.get(
            str(raw.get("collectionFormat", "csv")), _COLLECTION_FORMATS["csv"]
        )
        style = query_style if location == "query" else path_style
    else:
        style = "form" if location == "query" else "simple"
        explode = location == "query"
    return Parameter(
        name=str(raw["name"]),
        location=location,  # type: ignore[arg-type]  # checked by the caller
        required=True if location == "path" else bool(raw.get("required", False)),
        schema=schema,
        style=style,
        explode=explode,
        description=raw.get("description"),
        allow_empty_value=bool(raw.get("allowEmptyValue", False)),
        example=Example(raw["x-example"]) if "x-example" in raw else None,
        pointer=pointer,
    )


def _form_body(form: list[tuple[dict[str, Any], str]], consumes: list[str]) -> RequestBody:
    properties: dict[str, Any] = {}
    required: list[str] = []
    has_file = False
    for raw, _pointer in form:
        name = str(raw.get("name"))
        properties[name] = simple_schema(raw)
        has_file = has_file or raw.get("type") == "file"
        if raw.get("required"):
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    types = [mt for mt in consumes if mt in FORM_TYPES] or [
        "multipart/form-data" if has_file else "application/x-www-form-urlencoded"
    ]
    pointer = jp.parent(form[0][1])
    return RequestBody(
        required=bool(required),
        content={mt: MediaType(mt, schema, pointer=pointer) for mt in types},
        pointer=pointer,
    )


def responses(
    raw_responses: dict[str, Any],
    pointer: str,
    operation: dict[str, Any],
    document: dict[str, Any],
    deref_at: Callable[[Any, str], tuple[Any, str]],
) -> dict[str, Response]:
    produces = media_types(operation, document, "produces")
    found: dict[str, Response] = {}
    for status, raw in raw_responses.items():
        if status.startswith("x-"):
            continue
        raw, where = deref_at(raw, jp.join(pointer, status))
        if not isinstance(raw, dict):
            continue
        schema = raw.get("schema")
        raw_examples = raw.get("examples")
        examples: dict[str, Any] = raw_examples if isinstance(raw_examples, dict) else {}
        content: dict[str, MediaType] = {}
        types = list(produces) + [mt for mt in examples if mt not in produces]
        for mt in types:
            if schema is None and mt not in examples:
                continue
            content[mt] = MediaType(
                mt,
                schema,
                example=Example(examples[mt]) if mt in examples else None,
                pointer=jp.join(where, "schema"),
            )
        headers: dict[str, Header] = {}
        raw_headers = raw.get("headers")
        if isinstance(raw_headers, dict):
            for name, header in raw_headers.items():
                if isinstance(header, dict):
                    headers[name] = Header(
                        name=name,
                        required=False,
                        schema=simple_schema(header),
                        description=header.get("description"),
                        pointer=jp.join(where, "headers", name),
                    )
        key = status.upper() if status != "default" else status
        found[key] = Response(
            status=key,
            description=str(raw.get("description", "")),
            content=content,
            headers=headers,
            pointer=where,
        )
    return found
