"""Validation for the data generator, on Entente's one schema-validation stack.

The generator only gets a ``resolve`` callable, not a loaded spec, so it assembles a small
document from the references it reaches (:func:`assemble_document`) and validates against that
with :class:`DocumentValidation`. Validators, keywords (``nullable``, ``discriminator``,
``readOnly``/``writeOnly`` by direction, tolerant ``pattern``) and format checks are those of
`entente_daemon.openapi` (`schemas`, `keywords`, `formats`), the same `Spec.validator_for` uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal
from urllib.parse import unquote

from jsonschema import ValidationError

from entente_daemon.openapi.keywords import HIDDEN_FLAG, Direction, discriminator_ref, is_flagged
from entente_daemon.openapi.schemas import DRAFT4_URI, DRAFT202012_URI, DocumentSchemas

__all__ = [
    "HIDDEN_FLAG",
    "Dialect",
    "Direction",
    "DocumentValidation",
    "assemble_document",
    "describe",
    "discriminator_ref",
    "is_flagged",
    "validator_for",
]

Dialect = Literal["3.0", "3.1"]
Lookup = Callable[[str], Any]

_DIALECT_URIS: dict[Dialect, str] = {"3.0": DRAFT4_URI, "3.1": DRAFT202012_URI}


class DocumentValidation:
    """Validators for schemas of one OpenAPI document, references resolved against it."""

    __slots__ = ("_direction", "_schemas")

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        dialect: Dialect = "3.0",
        direction: Direction | None = None,
    ) -> None:
        # Unlike a loaded spec's validators (whose invalid patterns the load reported), the
        # generator's fail on an invalid pattern: it must say it could not satisfy it.
        self._schemas = DocumentSchemas(
            document, dialect=_DIALECT_URIS[dialect], report_invalid_patterns=True
        )
        self._direction: Direction | None = direction

    def validator(self, schema: Mapping[str, Any] | bool) -> Any:
        """The jsonschema validator for ``schema`` (raises on a schema it cannot use)."""
        return self._schemas.raw(schema, direction=self._direction)

    def problems(
        self, instance: Any, schema: Mapping[str, Any] | bool, limit: int = 20
    ) -> list[str]:
        """Descriptions of the ways ``instance`` fails ``schema``; empty when it is valid."""
        return describe(self.validator(schema).iter_errors(instance), limit)

    def is_valid(self, instance: Any, schema: Mapping[str, Any] | bool) -> bool:
        return next(iter(self.validator(schema).iter_errors(instance)), None) is None


def validator_for(
    schema: Mapping[str, Any] | bool,
    *,
    resolve_document: Mapping[str, Any],
    dialect: Dialect = "3.0",
    direction: Direction | None = None,
) -> Any:
    """A validator for ``schema`` whose internal ``$ref`` resolve into ``resolve_document``
    (the whole OpenAPI document), checking formats. With a ``direction``, read-only (request)
    or write-only (response) properties must be absent and are not required. For a loaded
    spec use `Spec.validator_for`, which caches."""
    validation = DocumentValidation(resolve_document, dialect=dialect, direction=direction)
    return validation.validator(schema)


def assemble_document(refs: Iterable[str], lookup: Lookup) -> dict[str, Any]:
    """A document in which each internal reference (``#/components/schemas/Castle``) finds
    what ``lookup`` gives for it. The looked-up schemas are placed, not copied or changed;
    references that are not JSON pointers into the document are left out.
    """
    document: dict[str, Any] = {}
    own: set[int] = {id(document)}  # the containers made here, which may be added to
    for ref in sorted(refs, key=len):  # outer before inner: "#/a" is placed before "#/a/b"
        if not ref.startswith("#/"):
            continue
        parts = [unquote(part).replace("~1", "/").replace("~0", "~") for part in ref[2:].split("/")]
        node: Any = document
        for part in parts[:-1]:
            if id(node) not in own:
                break  # inside a placed schema: the reference points into it already
            child = node.get(part)
            if child is None:
                child = node[part] = {}
                own.add(id(child))
            node = child
        else:
            if id(node) in own and parts[-1] not in node:
                try:
                    target = lookup(ref)
                except Exception:  # reported by the validation that follows the reference
                    target = None
                if target is not None:
                    node[parts[-1]] = target
    return document


def describe(errors: Iterable[ValidationError], limit: int = 20) -> list[str]:
    """One line per error: the JSON pointer of the offending value and the message."""
    lines = []
    for error in errors:
        pointer = "".join(f"/{part}" for part in error.absolute_path) or "/"
        lines.append(f"{pointer}: {error.message}")
        if len(lines) >= limit:
            break
    return lines
