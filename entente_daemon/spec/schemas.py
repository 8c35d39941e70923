"""JSON Schema validation against the schemas of a loaded spec.

The bundled document is registered as one `referencing` resource (``urn:entente:spec``), so
every internal ``$ref`` (``#/components/schemas/Node``, ``#/definitions/Node``) resolves
lazily and recursive schemas just work. The dialect follows the spec: OpenAPI 3.1 schemas
are JSON Schema 2020-12 (or the document's ``jsonSchemaDialect``); OpenAPI 3.0 and Swagger
2.0 schemas are the draft-4 subset, validated with draft 4 plus ``nullable`` /
``x-nullable``. Two robustness tweaks: ``pattern`` is compiled with `regex.compile_pattern`
(ECMA named groups translated, an invalid pattern ignored, as the load reported it), and
``patternProperties``-based keywords ignore an invalid regex instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import validators as _validators  # type: ignore[import-untyped,unused-ignore]
from jsonschema.exceptions import (  # type: ignore[import-untyped,unused-ignore]
    ValidationError,
)
from referencing import Registry, Specification
from referencing.jsonschema import DRAFT4, DRAFT202012, specification_with

from entente_daemon.spec.bundle import ref_fragment
from entente_daemon.spec.regex import compile_pattern

DOCUMENT_URI = "urn:entente:spec"

DRAFT4_URI = "http://json-schema.org/draft-04/schema#"
DRAFT202012_URI = "https://json-schema.org/draft/2020-12/schema"

Keyword = Callable[[Any, Any, Any, Any], Iterator[Any]]


def dialect_uri(version: str, document: dict[str, Any]) -> str:
    """The JSON Schema dialect the spec's schemas are written in."""
    if version == "3.1":
        dialect = document.get("jsonSchemaDialect")
        return dialect if isinstance(dialect, str) and dialect else DRAFT202012_URI
    return DRAFT4_URI


def specification(version: str, document: dict[str, Any]) -> Specification[Any]:
    default = DRAFT202012 if version == "3.1" else DRAFT4
    return specification_with(dialect_uri(version, document), default=default)


def build_registry(document: dict[str, Any], version: str) -> Registry[Any]:
    resource = specification(version, document).create_resource(document)
    registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
    return registry


def document_ref(pointer: str) -> str:
    """An absolute ref to ``pointer`` in the registered document."""
    return DOCUMENT_URI + ref_fragment(pointer)


def absolutise_refs(schema: Any) -> Any:
    """A copy of a schema that is *not* part of the document, with its ``#/...`` refs made
    to point into the document (``urn:entente:spec#/...``)."""
    if isinstance(schema, list):
        return [absolutise_refs(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: absolutise_refs(v) for k, v in schema.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        out["$ref"] = DOCUMENT_URI + ref
    return out


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "string") or not isinstance(pattern, str):
        return
    compiled = compile_pattern(pattern)
    if compiled is not None and not compiled.search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _regex_tolerant(keyword: Keyword) -> Keyword:
    def tolerant(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        try:
            yield from keyword(validator, value, instance, schema)
        except re.error:
            return  # reported when the spec was loaded

    return tolerant


def _nullable(keyword: Keyword) -> Keyword:
    def nullable_type(validator: Any, types: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if instance is None and (
            schema.get("nullable") is True or schema.get("x-nullable") is True
        ):
            return
        yield from keyword(validator, types, instance, schema)

    return nullable_type


class SchemaValidator:
    """A jsonschema validator that never raises on a malformed schema: what would have been
    an exception in the middle of a request (``properties: null``, a ref to nothing...) is
    reported as one validation error instead. ``raw`` is the jsonschema validator."""

    def __init__(self, raw: Any, problem: Exception | None = None) -> None:
        self.raw = raw
        self.problem = problem

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        """The instance's validation errors (`jsonschema.ValidationError`)."""
        try:
            if self.problem is not None:
                raise self.problem
            yield from self.raw.iter_errors(instance)
        except Exception as exc:  # noqa: BLE001 - a malformed schema, see the spec's warnings
            yield ValidationError(
                f"cannot validate against this schema, it is malformed "
                f"({type(exc).__name__}: {exc}); see the spec's warnings"
            )

    def is_valid(self, instance: Any) -> bool:
        return next(self.iter_errors(instance), None) is None


_CLASSES: dict[str, Any] = {}


def validator_class(dialect: str) -> Any:
    """The jsonschema validator class for a dialect URI, with Entente's tweaks."""
    cls = _CLASSES.get(dialect)
    if cls is not None:
        return cls
    base = _validators.validator_for({"$schema": dialect}, default=_validators.Draft202012Validator)
    keywords: dict[str, Any] = {"pattern": _pattern}
    for name in ("patternProperties", "additionalProperties", "unevaluatedProperties"):
        if name in base.VALIDATORS:
            keywords[name] = _regex_tolerant(base.VALIDATORS[name])
    if dialect == DRAFT4_URI:
        keywords["type"] = _nullable(base.VALIDATORS["type"])
    cls = _validators.extend(base, keywords)  # type: ignore[no-untyped-call,unused-ignore]
    _CLASSES[dialect] = cls
    return cls
