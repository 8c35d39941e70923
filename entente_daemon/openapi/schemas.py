"""JSON Schema validation against the schemas of an OpenAPI document: Entente's one stack.

A document (a loaded spec's bundled document, or the small one the data generator assembles)
is registered as one `referencing` resource (``urn:entente:spec``), and every validator starts
with its base URI there, so an internal ``$ref`` (``#/components/schemas/Node``,
``#/definitions/Node``) resolves lazily from wherever the schema sits, and recursive schemas
just work. The dialect follows the spec: OpenAPI 3.1 schemas are JSON Schema 2020-12 (or the
document's ``jsonSchemaDialect``); OpenAPI 3.0 and Swagger 2.0 schemas are the draft-4
subset, validated with draft 4. The keywords OpenAPI changes (``nullable``, ``discriminator``,
``readOnly``/``writeOnly`` by direction, tolerant ``pattern``) are in `keywords`, the format
checks in `formats`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import validators as _validators
from jsonschema.exceptions import ValidationError
from jsonschema_specifications import REGISTRY as _META_SCHEMAS  # type: ignore[import-untyped]
from referencing import Registry, Specification
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4, DRAFT202012, specification_with

from entente_daemon.openapi.bundle import ref_fragment
from entente_daemon.openapi.fastpath import Check, compile_quick
from entente_daemon.openapi.formats import FormatDialect, format_checker
from entente_daemon.openapi.keywords import Direction, keywords

DOCUMENT_URI = "urn:entente:spec"
_MAX_ROOT_REFS = 16

DRAFT4_URI = "http://json-schema.org/draft-04/schema#"
DRAFT202012_URI = "https://json-schema.org/draft/2020-12/schema"


def dialect_uri(version: str, document: dict[str, Any]) -> str:
    """The JSON Schema dialect the spec's schemas are written in."""
    if version == "3.1":
        dialect = document.get("jsonSchemaDialect")
        return dialect if isinstance(dialect, str) and dialect else DRAFT202012_URI
    return DRAFT4_URI


def format_dialect(dialect: str) -> FormatDialect:
    """The set of OpenAPI formats a dialect URI goes with."""
    return "3.0" if dialect == DRAFT4_URI else "3.1"


def specification(version: str, document: dict[str, Any]) -> Specification[Any]:
    default = DRAFT202012 if version == "3.1" else DRAFT4
    return specification_with(dialect_uri(version, document), default=default)


def build_registry(document: dict[str, Any], version: str) -> Registry[Any]:
    """A registry holding ``document`` as ``urn:entente:spec`` (``version``: the OpenAPI
    version, ``"2.0"``, ``"3.0"`` or ``"3.1"``)."""
    resource = specification(version, document).create_resource(document)
    registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
    return registry


def document_ref(pointer: str) -> str:
    """An absolute ref to ``pointer`` in the registered document."""
    return DOCUMENT_URI + ref_fragment(pointer)


_CLASSES: dict[tuple[str, Direction | None, bool], Any] = {}
_BASES: tuple[Any, ...] = (
    _validators.Draft4Validator,
    _validators.Draft6Validator,
    _validators.Draft7Validator,
    _validators.Draft201909Validator,
    _validators.Draft202012Validator,
)


def _base_class(dialect: str) -> Any:
    """jsonschema's class for a dialect URI; 2020-12 for one it does not know (OpenAPI 3.1's
    own ``https://spec.openapis.org/oas/3.1/dialect/base`` is 2020-12 plus annotations)."""
    wanted = dialect.rstrip("#")
    for cls in _BASES:
        if str(cls.META_SCHEMA.get("$schema", "")).rstrip("#") == wanted:
            return cls
    return _validators.Draft202012Validator


def validator_class(
    dialect: str, direction: Direction | None = None, *, report_invalid_patterns: bool = False
) -> Any:
    """The jsonschema validator class for a dialect URI with Entente's keywords; with a
    ``direction``, the read-only (request) or write-only (response) rules too. An invalid
    ``pattern`` is ignored unless ``report_invalid_patterns``."""
    key = (dialect, direction, report_invalid_patterns)
    cls = _CLASSES.get(key)
    if cls is not None:
        return cls
    base = _base_class(dialect)
    overrides = keywords(
        base,
        draft4=base.META_SCHEMA.get("$schema") == DRAFT4_URI,
        direction=direction,
        report_invalid_patterns=report_invalid_patterns,
    )
    cls = _validators.extend(base, overrides)  # type: ignore[no-untyped-call,unused-ignore]
    _CLASSES[key] = cls
    return cls


class SchemaValidator:
    """A jsonschema validator that never raises on a malformed schema: what would have been
    an exception in the middle of a request (``properties: null``, a ref to nothing...) is
    reported as one validation error instead. ``raw`` is the jsonschema validator.

    Simple schemas also get a quick predicate (`entente_daemon.openapi.fastpath`) that
    recognises valid values without jsonschema; only values it is not sure of (normally the
    invalid ones) go through ``raw``, which words their errors."""

    __slots__ = ("problem", "quick", "raw")

    def __init__(self, raw: Any, problem: Exception | None = None) -> None:
        self.raw = raw
        self.problem = problem
        self.quick: Check | None = compile_quick(raw) if problem is None else None

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        """The instance's validation errors (`jsonschema.ValidationError`)."""
        quick = self.quick
        if quick is not None and quick(instance):
            return
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
        quick = self.quick
        if quick is not None and quick(instance):
            return True
        return next(self.iter_errors(instance), None) is None


class DocumentSchemas:
    """Validators for schemas of one document, internal refs resolved against it.

    ``registry`` holds the document as ``urn:entente:spec`` (made from ``document`` when not
    given). A schema handed to `raw`/`validator` may be part of the document or not: either
    way its ``#/...`` refs resolve into the document.
    """

    __slots__ = ("dialect", "report_invalid_patterns", "_resolver")

    def __init__(
        self,
        document: Any,
        *,
        dialect: str,
        registry: Registry[Any] | None = None,
        report_invalid_patterns: bool = False,
    ) -> None:
        self.dialect = dialect
        self.report_invalid_patterns = report_invalid_patterns
        if registry is None:
            default = DRAFT4 if dialect == DRAFT4_URI else DRAFT202012
            resource = specification_with(dialect, default=default).create_resource(document)
            registry = Registry().with_resource(DOCUMENT_URI, resource)
        # The meta-schemas too, as jsonschema adds them to a registry it is given.
        combined: Registry[Any] = _META_SCHEMAS.combine(registry)
        self._resolver = combined.resolver(base_uri=DOCUMENT_URI)

    def raw(
        self, schema: Any, *, direction: Direction | None = None, check_formats: bool = True
    ) -> Any:
        """The jsonschema validator for ``schema`` (``None``: accepts anything). Raises on a
        schema jsonschema cannot even start with; `validator` does not."""
        cls = validator_class(
            self.dialect, direction, report_invalid_patterns=self.report_invalid_patterns
        )
        checker = format_checker(format_dialect(self.dialect)) if check_formats else None
        root: Any = {} if schema is None else schema  # not True: draft 4 has no boolean schemas
        resolver = self._resolver
        # A schema that is only a ref (``{"$ref": "#/components/schemas/Castle"}``, the usual
        # body schema) is resolved now rather than on every validation.
        for _ in range(_MAX_ROOT_REFS):
            ref = root.get("$ref") if isinstance(root, Mapping) else None
            if not isinstance(ref, str) or (len(root) > 1 and self.dialect != DRAFT4_URI):
                break
            try:
                resolved = resolver.lookup(ref)
            except Unresolvable:
                break  # reported by the validation
            root, resolver = resolved.contents, resolved.resolver
        return cls(root, format_checker=checker, _resolver=resolver)

    def validator(
        self, schema: Any, *, direction: Direction | None = None, check_formats: bool = True
    ) -> SchemaValidator:
        try:
            return SchemaValidator(
                self.raw(schema, direction=direction, check_formats=check_formats)
            )
        except Exception as exc:  # noqa: BLE001 - a malformed schema (e.g. a string)
            return SchemaValidator(None, problem=exc)
