"""`Spec`: a loaded spec, its operation index, matcher and schema helpers."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from referencing import Registry

from entente_daemon.openapi import pointer as jp
from entente_daemon.openapi.errors import SpecWarning
from entente_daemon.openapi.keywords import Direction
from entente_daemon.openapi.locate import Locator
from entente_daemon.openapi.matcher import Matcher, MatchResult
from entente_daemon.openapi.model import OpenAPIVersion, Operation, Server
from entente_daemon.openapi.refs import DocumentRefs
from entente_daemon.openapi.schemas import (
    DocumentSchemas,
    SchemaValidator,
    build_registry,
    dialect_uri,
    document_ref,
)
from entente_daemon.openapi.validate import validate_document

#: Validators `Spec.validator_for` keeps; past this the cache starts again empty.
_MAX_VALIDATORS = 4096


class Spec:
    """A loaded spec. Made by `load_spec` / `load_spec_text`; treat it as read-only.

    * ``document``: the whole spec as one self-contained document; the only refs left are
      internal (``#/components/...`` or ``#/definitions/...``);
    * ``openapi_version``: ``"2.0"``, ``"3.0"`` or ``"3.1"`` (``declared_version`` is what
      the document says, e.g. ``"3.0.3"``), which decides JSON Schema semantics;
    * ``operations``: the index, in document order; ``servers``: the document's servers;
    * ``files``: every file the spec was read from, root first (watch these to reload);
    * ``warnings``: problems that did not stop loading, each with file and line.
    """

    def __init__(
        self,
        *,
        document: dict[str, Any],
        openapi_version: OpenAPIVersion,
        declared_version: str,
        operations: tuple[Operation, ...],
        servers: tuple[Server, ...],
        warnings: tuple[SpecWarning, ...],
        files: tuple[Path, ...],
        root: Path,
        matcher: Matcher,
        refs: DocumentRefs,
        locator: Locator,
    ) -> None:
        self.document = document
        self.openapi_version: OpenAPIVersion = openapi_version
        self.declared_version = declared_version
        self.operations = operations
        self.servers = servers
        self.warnings = warnings
        self.files = files
        self.root = root
        self._matcher = matcher
        self._refs = refs
        self._locator = locator
        self._by_id = {op.operation_id: op for op in operations}
        # (id(schema), direction, check_formats) -> (schema, validator); the schema is held
        # so that its id cannot be reused while the entry lives.
        self._validators: dict[tuple[int, str | None, bool], tuple[Any, SchemaValidator]] = {}

    def __repr__(self) -> str:
        return (
            f"<Spec {self.title!r} {self.version} (OpenAPI {self.declared_version}, "
            f"{len(self.operations)} operations)>"
        )

    # -- info ------------------------------------------------------------------------------

    @property
    def info(self) -> dict[str, Any]:
        info = self.document.get("info")
        return info if isinstance(info, dict) else {}

    @property
    def title(self) -> str:
        return str(self.info.get("title", ""))

    @property
    def version(self) -> str:
        """``info.version``: the API's version, not OpenAPI's."""
        return str(self.info.get("version", ""))

    @property
    def security_schemes(self) -> dict[str, Any]:
        if self.openapi_version == "2.0":
            schemes = self.document.get("securityDefinitions")
        else:
            components = self.document.get("components")
            schemes = components.get("securitySchemes") if isinstance(components, dict) else None
        return schemes if isinstance(schemes, dict) else {}

    # -- operations ------------------------------------------------------------------------

    def match(self, method: str, path: str) -> MatchResult:
        """The operation for a request: ``spec.match("GET", "/api/castles/42")``. ``path``
        is the raw request path (percent-encoded, query string allowed) or a full URL."""
        return self._matcher.match(method, path)

    def operation(self, operation_id: str) -> Operation | None:
        return self._by_id.get(operation_id)

    def validation_warnings(self) -> list[SpecWarning]:
        """What openapi-spec-validator says about the spec, located (what
        ``load_spec(validate=True)`` adds to `warnings`). Leaves out what the loader reported
        already: duplicate operationIds are an error, and a place that has a warning (say an
        invalid regex) gets no second one."""
        known = {(w.file, w.pointer) for w in self.warnings}
        return [
            w
            for w in validate_document(self.document, self.openapi_version, self._locator)
            if (w.file, w.pointer) not in known and "is not unique" not in w.message
        ]

    # -- refs and places -------------------------------------------------------------------

    def resolve_ref(self, ref: str) -> Any:
        """The value an internal ref (``"#/components/schemas/Castle"``) points to."""
        return self._refs.resolve_ref(ref)

    def deref(self, value: Any) -> Any:
        """``value``, or if it is a ``{"$ref": ...}`` what that points to (chains followed,
        one level deep: refs inside the result stay)."""
        return self._refs.deref(value)

    def locate(self, pointer: str) -> tuple[Path, int | None, int | None]:
        """The file, line and column a pointer into ``document`` was read from."""
        file, line, column, _ = self._locator.locate(self._locator.physical(jp.split(pointer)))
        return file, line, column

    # -- JSON Schema -----------------------------------------------------------------------

    @property
    def json_schema_dialect(self) -> str:
        """The ``$schema`` URI of the dialect the spec's schemas use."""
        return dialect_uri(self.openapi_version, self.document)

    def schema_registry(self) -> Registry[Any]:
        """A `referencing.Registry` holding the document as ``urn:entente:spec``; combine it
        with a schema whose refs are absolute (see `schema_ref`) or use `validator_for`."""
        return self._registry

    @cached_property
    def _registry(self) -> Registry[Any]:
        return build_registry(self.document, self.openapi_version)

    def schema_ref(self, pointer_or_ref: str) -> dict[str, str]:
        """A schema that is just an absolute ref to a place in the document:
        ``schema_ref("#/components/schemas/Castle")``."""
        pointer = pointer_or_ref[1:] if pointer_or_ref.startswith("#") else pointer_or_ref
        return {"$ref": document_ref(jp.from_fragment(pointer))}

    def validator_for(
        self,
        schema: Any,
        *,
        direction: Direction | None = None,
        check_formats: bool = True,
    ) -> SchemaValidator:
        """A validator (``.iter_errors(instance)``, ``.is_valid(instance)``) for a schema of
        this spec: one taken from the index or the document, or a new schema whose ``#/...``
        refs point into the document (``None``, no schema, accepts anything). Refs are
        resolved lazily; recursion is fine. ``format`` is checked unless ``check_formats``
        is False. With a ``direction``, read-only properties must not appear in a request
        (``"request"``) and write-only ones in a response (``"response"``), and neither is
        then required.

        Validators are cached per (schema object, direction, check_formats): calling this
        on every request costs a dict lookup. Do not mutate a schema after asking for it."""
        key = (id(schema), direction, check_formats)
        cached = self._validators.get(key)
        if cached is not None and cached[0] is schema:
            return cached[1]
        validator = self._schemas.validator(
            schema, direction=direction, check_formats=check_formats
        )
        if len(self._validators) >= _MAX_VALIDATORS:
            self._validators.clear()  # schemas made on the fly (``schema_ref``) pile up
        self._validators[key] = (schema, validator)
        return validator

    @cached_property
    def _schemas(self) -> DocumentSchemas:
        return DocumentSchemas(
            self.document, dialect=self.json_schema_dialect, registry=self._registry
        )
