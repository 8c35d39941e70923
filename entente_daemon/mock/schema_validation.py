"""Validate JSON values against OpenAPI schema objects (3.0 and 3.1), with real format checks.

:func:`validator_for` validates against a schema whose internal ``$ref`` (``#/components/...``)
point into a whole OpenAPI document: the document is the root resource of a
:class:`referencing.Registry`, and the validator for the schema is evolved from the one for the
document, so references resolve against the document wherever the schema sits.
:class:`DocumentValidation` does the same for many schemas of one document; the generator,
which only gets a ``resolve`` callable, assembles a document from the references it reaches
(:func:`assemble_document`).

Validators apply OpenAPI's ``discriminator`` (the instance's discriminator value picks the schema
to validate against, as ``openapi-schema-validator`` does, also accepting bare schema names in
``mapping``) and, given a direction, the ``readOnly``/``writeOnly`` rules: a read-only property
must not appear in a request and may be missing from it even when required; likewise
write-only properties in responses.
"""

from __future__ import annotations

import binascii
import functools
import ipaddress
import re
from base64 import b64decode, b64encode
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Literal, cast
from urllib.parse import unquote, urlsplit

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from openapi_schema_validator import OAS30Validator, OAS31Validator
from openapi_schema_validator._format import oas30_format_checker, oas31_format_checker
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4, DRAFT202012

Dialect = Literal["3.0", "3.1"]
Direction = Literal["request", "response"]
Lookup = Callable[[str], Any]

# Keyword functions get the runtime validator object, which has ``descend`` (not in the protocol).
KeywordFn = Callable[[Any, Any, Any, Mapping[str, Any]], Iterator[ValidationError]]

#: The flag that hides a property in each direction.
HIDDEN_FLAG: dict[Direction, str] = {"request": "readOnly", "response": "writeOnly"}

_MAX_FLAG_DEPTH = 8

# --------------------------------------------------------------------------- formats

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or _EMAIL.fullmatch(value) is not None


def is_hostname(value: object) -> bool:
    """RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens."""
    if not isinstance(value, str):
        return True
    name = value[:-1] if value.endswith(".") else value
    if not name or len(name) > 253:
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in name.split("."))


def _is_uri(value: object) -> bool:
    """An absolute URI: a scheme, no whitespace, and a host when it has an authority."""
    if not isinstance(value, str):
        return True
    if any(char.isspace() for char in value):
        return False
    scheme, _, rest = value.partition(":")
    if not _SCHEME.fullmatch(scheme) or not rest:
        return False
    return not (rest.startswith("//") and not urlsplit(value).netloc)


def _is_uri_reference(value: object) -> bool:
    return not isinstance(value, str) or not any(char.isspace() for char in value)


def _is_base64(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return b64encode(b64decode(value, validate=True)).decode("ascii") == value


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return _DATE.fullmatch(value) is not None and bool(date.fromisoformat(value))


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _DATE_TIME.fullmatch(value) is None:
        return False
    return bool(datetime.fromisoformat(value.upper().replace("Z", "+00:00")))


def _is_time(value: object) -> bool:
    """RFC 3339 time, the offset optional (``partial-time`` is common in OpenAPI specs)."""
    if not isinstance(value, str):
        return True
    match = _TIME.fullmatch(value)
    if match is None:
        return False
    hour, minute, second = (int(match.group(index)) for index in (1, 2, 3))
    return hour < 24 and minute < 60 and second < 61


def _is_ipv4(value: object) -> bool:
    return not isinstance(value, str) or bool(ipaddress.IPv4Address(value))


def _is_ipv6(value: object) -> bool:
    return not isinstance(value, str) or not ipaddress.IPv6Address(value).scope_id


@functools.cache
def format_checker(dialect: Dialect) -> FormatChecker:
    """jsonschema's checks plus OpenAPI's, with the common formats checked for real.

    jsonschema checks some formats only when optional packages are installed (``hostname``
    needs ``fqdn``, ``uri`` needs ``rfc3987``, ``date-time`` needs ``rfc3339-validator``),
    checks ``email`` only for an ``@`` and ``time`` in the draft-3 form. Those checks are
    replaced here by ones that need nothing. OpenAPI 3.0's ``binary`` check is dropped: it
    accepts only Python ``bytes``, but in JSON such a value can only be a string.
    """
    base = oas30_format_checker if dialect == "3.0" else oas31_format_checker
    checker = FormatChecker()
    checker.checkers.update(base.checkers)
    checker.checkers.pop("binary", None)
    checker.checks("byte", raises=(binascii.Error, ValueError))(_is_base64)
    checker.checks("email")(_is_email)
    checker.checks("hostname")(is_hostname)
    checker.checks("uri")(_is_uri)
    checker.checks("url")(_is_uri)
    checker.checks("uri-reference")(_is_uri_reference)
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("time")(_is_time)
    checker.checks("ipv4", raises=ValueError)(_is_ipv4)
    checker.checks("ipv6", raises=ValueError)(_is_ipv6)
    return checker


# --------------------------------------------------------------------------- keywords


def is_flagged(schema: object, flag: str, lookup: Lookup, depth: int = 0) -> bool:
    """Whether ``schema`` sets ``flag`` (``readOnly``/``writeOnly``) itself, through ``$ref``
    or through an ``allOf`` member: the schemas a validator always applies to the value."""
    if not isinstance(schema, Mapping):
        return False
    if schema.get(flag) is True:
        return True
    if depth >= _MAX_FLAG_DEPTH:
        return False
    ref = schema.get("$ref")
    if isinstance(ref, str):
        try:
            target = lookup(ref)
        except Exception:  # an unresolvable reference is reported by "$ref" itself
            target = None
        if is_flagged(target, flag, lookup, depth + 1):
            return True
    members = schema.get("allOf")
    if isinstance(members, list):
        return any(is_flagged(member, flag, lookup, depth + 1) for member in members)
    return False


def _lookup_of(validator: Any) -> Lookup:
    """How a keyword follows a ``$ref``: through the validator's resolver (jsonschema keeps it
    in a private attribute; without it nothing is followed)."""
    resolver = getattr(validator, "_resolver", None)

    def lookup(ref: str) -> Any:
        return None if resolver is None else resolver.lookup(ref).contents

    return lookup


def _required(direction: Direction) -> KeywordFn:
    flag = HIDDEN_FLAG[direction]

    def required(
        validator: Any, names: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if not isinstance(instance, dict) or not isinstance(names, list):
            return
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        for name in names:
            if name in instance:
                continue
            if is_flagged(properties.get(name), flag, _lookup_of(validator)):
                continue
            yield ValidationError(f"{name!r} is a required property")

    return required


def _forbidden(direction: Direction) -> KeywordFn:
    flag = HIDDEN_FLAG[direction]
    what = "read-only value in a request" if direction == "request" else "write-only value"

    def forbidden(
        validator: Any, value: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if value is True:
            yield ValidationError(f"{what} ({flag}): {instance!r}")

    return forbidden


def discriminator_ref(discriminator: Mapping[str, Any], value: str) -> str:
    """The ``$ref`` a discriminator value selects: its ``mapping`` entry (a reference or a bare
    schema name) else the schema of that name under ``#/components/schemas``."""
    mapping = discriminator.get("mapping")
    target = mapping.get(value) if isinstance(mapping, Mapping) else None
    if not isinstance(target, str):
        target = value
    if "#" in target or "/" in target or "." in target:
        return target
    return f"#/components/schemas/{target}"


def _discriminated(plain: KeywordFn) -> KeywordFn:
    def keyword(
        validator: Any, branches: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, Mapping) or not isinstance(instance, dict):
            yield from plain(validator, branches, instance, schema)
            return
        name = discriminator.get("propertyName")
        value = instance.get(name) if isinstance(name, str) else None
        if not isinstance(value, str) or not value:
            yield ValidationError(f"discriminator property {name!r} is missing or not a string")
            return
        ref = discriminator_ref(discriminator, value)
        try:
            errors = list(validator.descend(instance, {"$ref": ref}))
        except Unresolvable:
            yield ValidationError(f"discriminator value {value!r} selects {ref!r}: no such schema")
            return
        yield from errors

    return keyword


_PLAIN_ONE_OF = cast(KeywordFn, Draft202012Validator.VALIDATORS["oneOf"])
_PLAIN_ANY_OF = cast(KeywordFn, Draft202012Validator.VALIDATORS["anyOf"])
_PLAIN_ALL_OF = cast(KeywordFn, Draft202012Validator.VALIDATORS["allOf"])


def _keywords(direction: Direction | None) -> dict[str, KeywordFn]:
    # discriminator only selects among oneOf/anyOf; in an allOf parent it is a hint (and
    # following it there would recurse: the selected child includes the parent).
    keywords: dict[str, KeywordFn] = {
        "oneOf": _discriminated(_PLAIN_ONE_OF),
        "anyOf": _discriminated(_PLAIN_ANY_OF),
        "allOf": _PLAIN_ALL_OF,
    }
    if direction is not None:
        keywords["required"] = _required(direction)
        keywords[HIDDEN_FLAG[direction]] = _forbidden(direction)
    return keywords


ValidatorClass = type[Validator]
_extend = cast(Callable[[ValidatorClass, dict[str, KeywordFn]], ValidatorClass], extend)
_BASES: dict[Dialect, ValidatorClass] = {"3.0": OAS30Validator, "3.1": OAS31Validator}
_CLASSES: dict[tuple[Dialect, Direction | None], ValidatorClass] = {
    (dialect, direction): _extend(base, _keywords(direction))
    for dialect, base in _BASES.items()
    for direction in (None, "request", "response")
}


class DocumentValidation:
    """Validators for schemas of one OpenAPI document, references resolved against it."""

    __slots__ = ("_root",)

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        dialect: Dialect = "3.0",
        direction: Direction | None = None,
    ) -> None:
        specification = DRAFT4 if dialect == "3.0" else DRAFT202012
        registry: Registry[Any] = Registry().with_resource(
            "", specification.create_resource(document)
        )
        cls = _CLASSES[(dialect, direction)]
        # The document is the root resource, so "#/components/..." resolves against it
        # wherever a validated schema sits; evolve() keeps that resolver for the schema.
        self._root = cls(document, registry=registry, format_checker=format_checker(dialect))

    def validator(self, schema: Mapping[str, Any] | bool) -> Validator:
        return self._root.evolve(schema=schema)

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
) -> Validator:
    """A validator for ``schema`` whose internal ``$ref`` resolve into ``resolve_document``
    (the whole OpenAPI document), checking formats with :func:`format_checker`.

    With a ``direction``, read-only (request) or write-only (response) properties must be
    absent and are not required.
    """
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
