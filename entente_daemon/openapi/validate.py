"""openapi-spec-validator's complaints as located `SpecWarning`s.

The validator is run on the bundled document (only internal refs left). It reports two kinds
of problems: JSON Schema errors against the OpenAPI meta-schema, which carry a path, and
errors from its own checks (unresolved path parameters, ``required`` naming undefined
properties, invalid ``default`` values...), which carry none. For the second kind each of its
keyword validators is wrapped so that an error coming out of it is tagged with the path of
the object it was checking.

None of this stops loading: what the index cannot use was already an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from entente_daemon.openapi.errors import SpecWarning
from entente_daemon.openapi.locate import Locator

_MAX_MESSAGE = 300


def validate_document(
    document: dict[str, Any], version: str, locator: Locator
) -> list[SpecWarning]:
    """Everything openapi-spec-validator says about ``document``, located."""
    found: list[SpecWarning] = []
    seen: set[tuple[str, str]] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            for parts, message, into_ref in _errors(document, version):
                bundle_pointer = locator.physical(parts, into_ref=into_ref)
                if (bundle_pointer, message) in seen:
                    continue
                seen.add((bundle_pointer, message))
                found.append(locator.warning(message, bundle_pointer, "validator"))
        except Exception as exc:  # noqa: BLE001 - a validator bug must not stop loading
            found.append(
                locator.warning(
                    f"openapi-spec-validator could not finish ({type(exc).__name__}: {exc}); "
                    "the spec was not fully validated",
                    "",
                    "validator",
                )
            )
    return found


def _errors(document: dict[str, Any], version: str) -> Iterator[tuple[list[str], str, bool]]:
    """(logical path, message, whether the complaint is about a ref's target)."""
    validator = _validator_class(version)(document)
    # Call the two halves directly: SpecValidator.iter_errors is an lru_cache on the
    # instance, which would keep every document ever validated alive in a long-running daemon.
    for error in validator.schema_validator.iter_errors(document):
        best = _most_specific(error)
        yield [str(p) for p in best.absolute_path], _message(best, error), False
    for error in validator.root_validator(validator.schema_path):
        where = getattr(error, "_entente_parts", None) or ()
        parts = [str(p) for p in where] + [str(p) for p in error.absolute_path]
        yield parts, _message(error, error), True


def _most_specific(error: Any) -> Any:
    """For "is not valid under any of the given schemas", the context error that goes
    deepest into the document and is not merely "'$ref' is a required property"."""
    context = [e for e in (error.context or []) if not _is_ref_required(e)]
    if not context:
        return error
    deepest = max(context, key=lambda e: len(e.absolute_path))
    return deepest if len(deepest.absolute_path) > len(error.absolute_path) else error


def _message(error: Any, outer: Any) -> str:
    if error is outer and error.context:
        reasons = _unique(
            e.message
            for e in error.context
            if not _is_ref_required(e) and len(e.absolute_path) == len(error.absolute_path)
        )
        if reasons:
            return _clip("; ".join(reasons[:3]))
    return _clip(str(error.message))


def _is_ref_required(error: Any) -> bool:
    return error.validator == "required" and "'$ref'" in error.message


def _unique(messages: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(_clip(m) for m in messages))


def _clip(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


@cache
def _validator_class(version: str) -> Any:
    from jsonschema_path.paths import SchemaPath
    from openapi_spec_validator.validation.keywords import ValueValidator
    from openapi_spec_validator.validation.validators import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
        OpenAPIV31SpecValidator,
    )

    base = {
        "2.0": OpenAPIV2SpecValidator,
        "3.0": OpenAPIV30SpecValidator,
        "3.1": OpenAPIV31SpecValidator,
    }[version]

    def locating(cls: Any) -> Any:
        extra = ("default",) if issubclass(cls, ValueValidator) else ()

        def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:  # noqa: N807
            where = next((a for a in args if isinstance(a, SchemaPath)), None)
            for error in cls.__call__(self, *args, **kwargs):
                if where is not None and getattr(error, "_entente_parts", None) is None:
                    error._entente_parts = (*where.parts, *extra)
                yield error

        return type(cls.__name__, (cls,), {"__call__": __call__})

    wrapped = {name: locating(cls) for name, cls in base.keyword_validators.items()}
    return type(f"Located{base.__name__}", (base,), {"keyword_validators": wrapped})
