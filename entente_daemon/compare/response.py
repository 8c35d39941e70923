"""The verifier's comparison core: a replayed request's actual answer against the recorded
one and the spec. Pure: no I/O, no clock; the caller replays and decodes.

`compare` checks, in order, and stops where going on would only repeat the same fault:

1. **status** (``status_mismatch``): the actual status is the recorded one. A different
   status is a different answer, so nothing else is compared.
2. **content type** (``content_mismatch``): the media type essence (``type/subtype``,
   parameters such as ``charset`` ignored) is the recorded one; when the recording has no
   ``Content-Type`` but the spec documents a body, the actual type must be one the spec
   documents for the status. A body in another format is not compared further.
3. **schema** (``schema_mismatch``): the actual body validates against the spec's schema for
   the operation, status and media type (response direction: ``writeOnly`` properties must
   not appear). An undocumented status, or a body where the spec documents none, is one
   too. One mismatch per validation error, with its JSON path (``$.items[0].yearBuilt``; a
   missing required property is reported at the property's own path, ``$.region``).
4. **structure** (``structure_mismatch``): everything the consumer saw is still there, with
   a compatible type (rules in `entente_daemon.compare.structure`).

An interaction imported from a pact file carries its matching ``rules``: then its status,
headers and body are judged by them instead (``rule_mismatch``, with the JSON path; see
`entente_daemon.compare.matching_rules`) in place of step 4, after steps 2 and 3.

Bodies are as `HttpResponse` keeps them: parsed JSON for JSON media types, text otherwise,
None for no body. Schemas are only applied to JSON bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError

from entente_daemon.compare.matching_rules import (
    RuleFailure,
    body_failures,
    header_failures,
    status_failures,
)
from entente_daemon.compare.paths import child, json_path
from entente_daemon.compare.rule_paths import RulePathError, rules_of
from entente_daemon.compare.structure import structure_problems
from entente_daemon.mock.media import best_declared, parse_media_type
from entente_daemon.model import ErrorKind, HttpResponse
from entente_daemon.openapi import Operation, Spec

MAX_SCHEMA_ERRORS = 50


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One way the actual answer differs: what kind, where (a JSON path into the body, or
    None for status and content type), what was expected and what came, in a sentence."""

    kind: ErrorKind
    path: str | None
    expected: Any
    actual: Any
    message: str


def compare(
    spec: Spec,
    operation: Operation,
    recorded: HttpResponse,
    actual: HttpResponse,
    *,
    strict_arrays: bool = False,
    rules: Mapping[str, Any] | None = None,
) -> list[Mismatch]:
    """The mismatches between a recorded answer and the provider's actual one for
    ``operation``; empty when the provider still honours the recording. ``strict_arrays``:
    an empty array where the consumer saw items is a mismatch (see `structure`). ``rules``:
    an imported pact's matching rules (see the module's docstring)."""
    if rules is not None:
        return _compare_by_rules(spec, operation, recorded, actual, rules)
    if actual.status != recorded.status:
        return [
            Mismatch(
                ErrorKind.STATUS_MISMATCH,
                None,
                recorded.status,
                actual.status,
                f"{operation}: the consumer got status {recorded.status}; "
                f"the provider now answers {actual.status}",
            )
        ]
    content = _content_mismatch(operation, recorded, actual)
    if content is not None:
        return [content]
    mismatches = _schema_mismatches(spec, operation, actual)
    mismatches.extend(
        Mismatch(ErrorKind.STRUCTURE_MISMATCH, p.path, p.expected, p.actual, p.message)
        for p in structure_problems(recorded.body, actual.body, strict_arrays=strict_arrays)
    )
    return mismatches


def _compare_by_rules(
    spec: Spec,
    operation: Operation,
    recorded: HttpResponse,
    actual: HttpResponse,
    rules: Mapping[str, Any],
) -> list[Mismatch]:
    status = status_failures(recorded.status, actual.status, rules.get("status"))
    if status:
        return [
            Mismatch(
                ErrorKind.STATUS_MISMATCH,
                None,
                recorded.status,
                actual.status,
                f"{operation}: {status[0].message}",
            )
        ]
    content = _content_mismatch(operation, recorded, actual)
    if content is not None:
        return [content]
    mismatches = _schema_mismatches(spec, operation, actual)
    failures: list[RuleFailure] = header_failures(
        recorded.headers, actual.headers, rules.get("header")
    )
    if recorded.body is not None:
        try:
            body_rules = rules_of(rules.get("body"))
        except RulePathError as exc:
            failures.append(
                RuleFailure("$", None, None, f"$: the pact's body rules cannot be read: {exc}")
            )
        else:
            failures.extend(body_failures(recorded.body, actual.body, body_rules))
    mismatches.extend(
        Mismatch(ErrorKind.RULE_MISMATCH, f.path, f.expected, f.actual, f.message) for f in failures
    )
    return mismatches


def header(response: HttpResponse, name: str) -> str | None:
    """A header of ``response``, by case-insensitive name."""
    wanted = name.lower()
    for key, value in response.headers.items():
        if key.lower() == wanted:
            return value
    return None


def media_essence(response: HttpResponse) -> str | None:
    """The ``type/subtype`` of a response's ``Content-Type`` (lower case), or None."""
    value = header(response, "content-type")
    if value is None:
        return None
    parsed = parse_media_type(value)
    return parsed.essence if parsed is not None else value.strip().lower()


def _has_body(response: HttpResponse) -> bool:
    return response.body not in (None, "", b"")


def _content_mismatch(
    operation: Operation, recorded: HttpResponse, actual: HttpResponse
) -> Mismatch | None:
    expected = media_essence(recorded)
    sent = media_essence(actual)
    if expected is not None and _has_body(recorded):
        if sent == expected:
            return None
        return Mismatch(
            ErrorKind.CONTENT_MISMATCH,
            None,
            expected,
            sent,
            f"{operation}: the consumer got {expected}; the provider now sends "
            + (sent or "no Content-Type"),
        )
    documented = operation.response_for(actual.status)
    if documented is None or not documented.content or not _has_body(actual):
        return None  # nothing to hold the type to; the schema check reports what is wrong
    if sent is not None and _declared_key(operation, actual) is not None:
        return None
    declared = sorted(documented.content)
    return Mismatch(
        ErrorKind.CONTENT_MISMATCH,
        None,
        declared,
        sent,
        f"{operation}: the spec documents {', '.join(declared)} for status {actual.status}; "
        f"the provider sends {sent or 'no Content-Type'}",
    )


def _declared_key(operation: Operation, response: HttpResponse) -> str | None:
    """The spec's media type key (for the response's status) that covers its Content-Type."""
    documented = operation.response_for(response.status)
    value = header(response, "content-type")
    if documented is None or value is None:
        return None
    sent = parse_media_type(value)
    if sent is None:
        return None
    declared = [
        (key, parsed) for key in documented.content if (parsed := parse_media_type(key)) is not None
    ]
    return best_declared(declared, sent)


def _schema_mismatches(spec: Spec, operation: Operation, actual: HttpResponse) -> list[Mismatch]:
    documented = operation.response_for(actual.status)
    if documented is None:
        statuses = ", ".join(sorted(operation.responses)) or "none"
        return [
            Mismatch(
                ErrorKind.SCHEMA_MISMATCH,
                None,
                sorted(operation.responses),
                actual.status,
                f"{operation}: status {actual.status} is not in the spec (documented: {statuses})",
            )
        ]
    if not documented.content:
        if not _has_body(actual):
            return []
        return [
            Mismatch(
                ErrorKind.SCHEMA_MISMATCH,
                "$",
                None,
                actual.body,
                f"$: the spec documents no body for {operation} status {actual.status}; "
                "the provider sends one",
            )
        ]
    key = _declared_key(operation, actual)
    if key is None:
        return []  # no Content-Type to pick a schema by: `_content_mismatch` had its say
    media = documented.content[key]
    sent = parse_media_type(header(actual, "content-type") or "")
    if media.schema is None or sent is None or not sent.is_json:
        return []
    if actual.body is None:
        return [
            Mismatch(
                ErrorKind.SCHEMA_MISMATCH,
                "$",
                media.schema,
                None,
                f"$: the spec documents a {key} body for {operation} status "
                f"{actual.status}; the provider sends none",
            )
        ]
    validator = spec.validator_for(media.schema, direction="response")
    mismatches: list[Mismatch] = []
    for error in validator.iter_errors(actual.body):
        mismatches.extend(_from_error(error))
        if len(mismatches) >= MAX_SCHEMA_ERRORS:
            break
    return mismatches


def _from_error(error: ValidationError) -> list[Mismatch]:
    path = json_path(error.absolute_path)
    instance = error.instance
    required = error.validator_value
    if error.validator == "required" and isinstance(instance, dict) and isinstance(required, list):
        missing = [
            name
            for name in required
            if isinstance(name, str) and name not in instance and repr(name) in error.message
        ]
        if missing:
            return [
                Mismatch(
                    ErrorKind.SCHEMA_MISMATCH,
                    child(path, name),
                    {"required": True},
                    None,
                    f"{child(path, name)}: the spec requires this property; "
                    "the provider does not send it",
                )
                for name in missing
            ]
    expected = {str(error.validator): error.validator_value}
    return [
        Mismatch(
            ErrorKind.SCHEMA_MISMATCH,
            path,
            expected,
            instance,
            f"{path}: {error.message} (the spec's {error.validator} for this response)",
        )
    ]
