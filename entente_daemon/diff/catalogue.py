"""The rule catalogue: every change `diff_specs` can report, with a stable id, level and side.

Schema rules are the same on every place a schema sits, so they are generated: one *schema
kind* (``type-changed``, ``enum-value-removed``...) per place (``request-parameter``,
``request-body``, ``request-property``, ``response-body``, ``response-property``,
``response-header``), at the level the direction gives it. A request schema that is
*narrowed* breaks clients (they send what used to be accepted); a response schema that is
*widened* breaks them (they receive what they were not told to expect). The reverse is
compatible and mostly not reported at all.

`entente diff --rules` prints this table; the README's list is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from entente_daemon.diff.changes import Level, Side

B, W, INF = Level.BREAKING, Level.WARNING, Level.INFO
REQ, RES, SPEC = Side.REQUEST, Side.RESPONSE, Side.SPEC


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    side: Side
    description: str


# -- fixed rules ---------------------------------------------------------------------------

_FIXED: tuple[Rule, ...] = (
    Rule("path-removed", B, REQ, "a path and all its operations were removed"),
    Rule("operation-removed", B, REQ, "an operation was removed (its path remains)"),
    Rule("path-added", INF, REQ, "a new path"),
    Rule("operation-added", INF, REQ, "a new operation on an existing path"),
    Rule("operation-id-changed", W, REQ, "an operationId changed (generated clients rename)"),
    Rule("operation-deprecated", INF, REQ, "an operation was marked deprecated"),
    Rule(
        "request-path-parameter-renamed",
        INF,
        REQ,
        "a path template variable was renamed (same URLs, same operation)",
    ),
    # parameters
    Rule("request-parameter-added-required", B, REQ, "a new required parameter"),
    Rule("request-parameter-added", INF, REQ, "a new optional parameter"),
    Rule("request-parameter-became-required", B, REQ, "an optional parameter became required"),
    Rule("request-parameter-became-optional", INF, REQ, "a required parameter became optional"),
    Rule(
        "request-parameter-removed", W, REQ, "a parameter was removed (clients may still send it)"
    ),
    Rule(
        "request-parameter-moved",
        B,
        REQ,
        "a parameter moved to another location (query, header, path, cookie)",
    ),
    Rule("request-parameter-style-changed", B, REQ, "a parameter's serialisation style changed"),
    Rule("request-parameter-explode-changed", B, REQ, "a parameter's explode flag changed"),
    # request body
    Rule("request-body-added-required", B, REQ, "a required request body was added"),
    Rule("request-body-added", INF, REQ, "an optional request body was added"),
    Rule("request-body-became-required", B, REQ, "the request body became required"),
    Rule("request-body-became-optional", INF, REQ, "the request body became optional"),
    Rule("request-body-removed", W, REQ, "the request body was removed"),
    Rule("request-body-media-type-removed", B, REQ, "a request media type is no longer accepted"),
    Rule("request-body-media-type-added", INF, REQ, "a new request media type is accepted"),
    # request body properties
    Rule(
        "request-property-added-required",
        B,
        REQ,
        "a new required property in a request body",
    ),
    Rule("request-property-added", INF, REQ, "a new optional property in a request body"),
    Rule(
        "request-property-became-required",
        B,
        REQ,
        "an optional request property became required",
    ),
    Rule(
        "request-property-became-optional",
        INF,
        REQ,
        "a required request property became optional",
    ),
    Rule(
        "request-property-removed",
        W,
        REQ,
        "a request property was removed (clients may still send it)",
    ),
    Rule(
        "request-property-became-read-only",
        W,
        REQ,
        "a request property became readOnly (clients may no longer send it)",
    ),
    # responses
    Rule("response-success-status-removed", B, RES, "a success (2xx) response was removed"),
    Rule("response-non-success-status-removed", INF, RES, "a non-success response was removed"),
    Rule(
        "response-success-status-added",
        W,
        RES,
        "a new success (2xx) response (clients may not handle it)",
    ),
    Rule("response-non-success-status-added", INF, RES, "a new non-success response"),
    Rule("response-media-type-removed", B, RES, "a response media type is no longer produced"),
    Rule("response-media-type-added", INF, RES, "a new response media type"),
    Rule("response-property-removed", B, RES, "a response property was removed"),
    Rule(
        "response-property-became-optional",
        B,
        RES,
        "a required response property became optional",
    ),
    Rule(
        "response-property-became-write-only",
        B,
        RES,
        "a response property became writeOnly (no longer returned)",
    ),
    Rule("response-property-added", INF, RES, "a new response property"),
    Rule("response-required-header-removed", B, RES, "a required response header was removed"),
    Rule("response-optional-header-removed", INF, RES, "an optional response header was removed"),
    Rule("response-header-became-optional", B, RES, "a required response header became optional"),
    Rule("response-header-added", INF, RES, "a new response header"),
    # security and servers
    Rule("security-added", B, REQ, "an operation that needed no credentials now needs some"),
    Rule(
        "security-requirement-tightened",
        B,
        REQ,
        "a security alternative a client used is no longer accepted",
    ),
    Rule("security-scope-added", B, REQ, "a security requirement needs more scopes"),
    Rule("security-removed", INF, REQ, "an operation no longer needs credentials"),
    Rule(
        "security-scheme-changed",
        B,
        SPEC,
        "a security scheme changed how credentials are sent (type, name, location, scheme)",
    ),
    Rule("security-scheme-removed", B, SPEC, "a security scheme was removed"),
    Rule("server-base-path-changed", B, SPEC, "a server base path is no longer served"),
)


# -- generated schema rules ----------------------------------------------------------------

#: kind → (level on the request side or None, level on the response side or None, what).
SCHEMA_KINDS: dict[str, tuple[Level | None, Level | None, str]] = {
    "type-changed": (B, B, "the type changed incompatibly"),
    "format-changed": (B, B, "the format was added or changed (request) or changed (response)"),
    "pattern-added": (B, None, "a pattern was added"),
    "pattern-changed": (W, W, "the pattern changed"),
    "max-decreased": (B, None, "maximum lowered (or added)"),
    "min-increased": (B, None, "minimum raised (or added)"),
    "max-length-decreased": (B, None, "maxLength lowered (or added)"),
    "min-length-increased": (B, None, "minLength raised (or added)"),
    "max-items-decreased": (B, None, "maxItems lowered (or added)"),
    "min-items-increased": (B, None, "minItems raised (or added)"),
    "max-increased": (None, W, "maximum raised (or removed)"),
    "min-decreased": (None, W, "minimum lowered (or removed)"),
    "max-length-increased": (None, W, "maxLength raised (or removed)"),
    "min-length-decreased": (None, W, "minLength lowered (or removed)"),
    "max-items-increased": (None, W, "maxItems raised (or removed)"),
    "min-items-decreased": (None, W, "minItems lowered (or removed)"),
    "enum-value-removed": (B, None, "an enum value was removed"),
    "enum-added": (B, None, "an enum now restricts the values"),
    "enum-value-added": (INF, W, "an enum value was added (a client may not handle it)"),
    "enum-removed": (None, W, "the enum no longer restricts the values"),
    "additional-properties-closed": (B, None, "additionalProperties became false"),
    "branch-removed": (B, None, "a oneOf/anyOf branch was removed"),
    "branch-added": (None, W, "a oneOf/anyOf branch was added (a client may not handle it)"),
    "nullable-removed": (B, None, "null is no longer accepted"),
    "nullable-added": (None, B, "the value may now be null"),
}

#: place → (side, what it names)
SCHEMA_PLACES: dict[str, tuple[Side, str]] = {
    "request-parameter": (REQ, "a parameter"),
    "request-body": (REQ, "the request body"),
    "request-property": (REQ, "a request body property"),
    "response-body": (RES, "the response body"),
    "response-property": (RES, "a response body property"),
    "response-header": (RES, "a response header"),
}


def _schema_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for place, (side, names) in SCHEMA_PLACES.items():
        for kind, (request_level, response_level, what) in SCHEMA_KINDS.items():
            level = request_level if side is REQ else response_level
            if level is not None:
                rules.append(Rule(f"{place}-{kind}", level, side, f"{names}: {what}"))
    return tuple(rules)


RULES: tuple[Rule, ...] = _FIXED + _schema_rules()
BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def rule(rule_id: str) -> Rule:
    """The catalogue entry for ``rule_id`` (KeyError for an id not in the catalogue)."""
    return BY_ID[rule_id]


def schema_kind_level(kind: str, side: Side) -> Level | None:
    """The level of a schema kind on ``side``; None when that direction is compatible."""
    request_level, response_level, _ = SCHEMA_KINDS[kind]
    return request_level if side is REQ else response_level
