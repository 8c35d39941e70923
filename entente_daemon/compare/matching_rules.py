"""Pact's matching rules, honoured: an actual answer against an imported pact interaction's
expected one. Pure: values in, `RuleFailure`s out, each at its JSON path.

Rules come by category, as pact V3/V4 files write them (`entente_daemon.pact.reading` turns
V2's flat ``$.body...`` keys into this form): ``body`` (``$`` paths, wildcards ``*`` and
``[*]``), ``header`` (by name), ``status``. How a value is judged:

- **its own rule** (a path naming exactly it; the most specific when several do) applies its
  matchers, combined with ``AND`` (all) or ``OR`` (one): ``equality``, ``type`` (with
  ``min``/``max`` for arrays: eachLike), ``regex`` (the whole value, as pact's core does),
  ``include``, ``number``, ``integer``, ``decimal``, ``boolean``, ``null``,
  ``date``/``time``/``datetime``/``timestamp`` (with a Java-style ``format``, else ISO 8601),
  ``values`` (an object's keys are free),
  ``arrayContains`` (each variant matches some item, by its own rules), ``eachKey``,
  ``eachValue``, ``notEmpty``, ``semver``, ``statusCode``, ``contentType``;
- **a ``type`` rule cascades**: below a value judged by type, values without a rule of their
  own are judged by type too (the same JSON type; objects need the expected keys, arrays'
  items are judged against the example);
- **otherwise equality**, as pact does for a response: an object needs every expected key
  (extra keys are fine), an array the same length, a scalar the same value and JSON type.

A matcher this module does not know is a failure that names it (never a silent pass).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from entente_daemon.compare.paths import child
from entente_daemon.compare.rule_paths import ANY, Rule, Step, rules_of, steps_match
from entente_daemon.compare.structure import kind_of

#: Matchers below which values without a rule of their own are judged by type.
CASCADING = frozenset({"type"})

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_STATUS_CLASSES: dict[str, range | tuple[range, ...]] = {
    "information": range(100, 200),
    "success": range(200, 300),
    "redirect": range(300, 400),
    "clientError": range(400, 500),
    "serverError": range(500, 600),
    "nonError": range(100, 400),
    "error": range(400, 600),
}


@dataclass(frozen=True, slots=True)
class RuleFailure:
    """Where the actual value breaks the pact: a JSON path (``$.items[1].id``; headers as
    ``header:location``, the status as ``status``), what was expected, what came, why."""

    path: str
    expected: Any
    actual: Any
    message: str


def path_text(steps: Sequence[Step]) -> str:
    text = "$"
    for step in steps:
        text = child(text, step)
    return text


# -- bodies -------------------------------------------------------------------------------


@dataclass
class _Walk:
    rules: list[Rule]
    out: list[RuleFailure] = field(default_factory=list)

    def fail(self, steps: Sequence[Step], expected: Any, actual: Any, why: str) -> None:
        where = path_text(steps)
        self.out.append(RuleFailure(where, expected, actual, f"{where}: {why}"))

    def own_rule(self, steps: Sequence[Step]) -> Rule | None:
        own = [r for r in self.rules if len(r.steps) == len(steps) and steps_match(r.steps, steps)]
        if not own:
            return None
        return min(own, key=lambda r: r.wildcards)

    def value(self, expected: Any, actual: Any, steps: tuple[Step, ...], by_type: bool) -> None:
        rule = self.own_rule(steps)
        if rule is not None:
            self.apply(rule, expected, actual, steps)
        elif by_type:
            self.by_type({"match": "type"}, expected, actual, steps)
        else:
            self.equal(expected, actual, steps)

    def apply(self, rule: Rule, expected: Any, actual: Any, steps: tuple[Step, ...]) -> None:
        if not rule.matchers:
            self.equal(expected, actual, steps)
            return
        results: list[list[RuleFailure]] = []
        for matcher in rule.matchers:
            sub = _Walk(self.rules)
            sub.matcher(matcher, expected, actual, steps)
            results.append(sub.out)
        if rule.combine == "OR":
            if any(not r for r in results):
                return
            self.out.extend(results[0])
            return
        seen: set[tuple[str, str]] = set()
        for result in results:
            for failure in result:
                if (failure.path, failure.message) not in seen:
                    seen.add((failure.path, failure.message))
                    self.out.append(failure)

    def matcher(
        self, matcher: Mapping[str, Any], expected: Any, actual: Any, steps: tuple[Step, ...]
    ) -> None:
        kind = str(matcher.get("match", "equality"))
        if kind == "equality":
            self.equal(expected, actual, steps)
        elif kind == "type":
            self.by_type(matcher, expected, actual, steps)
        elif kind == "values":
            self.values(expected, actual, steps)
        elif kind == "arrayContains":
            self.array_contains(matcher, expected, actual, steps)
        elif kind == "eachKey":
            self.each_key(matcher, actual, steps)
        elif kind == "eachValue":
            self.each_value(matcher, expected, actual, steps)
        else:
            problem = scalar_problem(matcher, expected, actual)
            if problem is not None:
                self.fail(steps, matcher, actual, problem)

    def equal(self, expected: Any, actual: Any, steps: tuple[Step, ...]) -> None:
        if isinstance(expected, dict):
            if not isinstance(actual, dict):
                self.fail(
                    steps, "object", kind_of(actual), f"expected an object, got {_shown(actual)}"
                )
                return
            for key, sub in expected.items():
                here = (*steps, str(key))
                if key not in actual:
                    self.fail(here, sub, None, "expected this key; the provider does not send it")
                else:
                    self.value(sub, actual[key], here, False)
        elif isinstance(expected, list):
            if not isinstance(actual, list):
                self.fail(
                    steps, "array", kind_of(actual), f"expected an array, got {_shown(actual)}"
                )
                return
            if len(actual) != len(expected):
                self.fail(
                    steps,
                    len(expected),
                    len(actual),
                    f"expected an array of {len(expected)} item(s), got {len(actual)}",
                )
            for index, (sub, got) in enumerate(zip(expected, actual, strict=False)):
                self.value(sub, got, (*steps, index), False)
        elif kind_of(expected) != kind_of(actual) or expected != actual:
            self.fail(steps, expected, actual, f"expected {_shown(expected)}, got {_shown(actual)}")

    def by_type(
        self, matcher: Mapping[str, Any], expected: Any, actual: Any, steps: tuple[Step, ...]
    ) -> None:
        if kind_of(expected) != kind_of(actual):
            self.fail(
                steps,
                kind_of(expected),
                kind_of(actual),
                f"expected {_article(kind_of(expected))}, got {_shown(actual)}",
            )
            return
        if isinstance(expected, dict) and isinstance(actual, dict):
            for key, sub in expected.items():
                here = (*steps, str(key))
                if key not in actual:
                    self.fail(here, sub, None, "expected this key; the provider does not send it")
                else:
                    self.value(sub, actual[key], here, True)
        elif isinstance(expected, list) and isinstance(actual, list):
            bounded = "min" in matcher or "max" in matcher
            low, high = matcher.get("min"), matcher.get("max")
            if isinstance(low, int | float) and len(actual) < low:
                self.fail(
                    steps,
                    f"at least {low} item(s)",
                    len(actual),
                    f"expected at least {low} item(s), got {len(actual)}",
                )
            if isinstance(high, int | float) and len(actual) > high:
                self.fail(
                    steps,
                    f"at most {high} item(s)",
                    len(actual),
                    f"expected at most {high} item(s), got {len(actual)}",
                )
            if not expected:
                return
            for index, got in enumerate(actual):
                example = expected[0] if bounded or index >= len(expected) else expected[index]
                self.value(example, got, (*steps, index), True)

    def values(self, expected: Any, actual: Any, steps: tuple[Step, ...]) -> None:
        if not isinstance(actual, dict) or not isinstance(expected, dict):
            self.fail(steps, "object", kind_of(actual), f"expected an object, got {_shown(actual)}")
            return
        if not expected:
            return
        example = next(iter(expected.values()))
        for key, got in actual.items():
            sub = expected.get(key, example)
            self.value(sub, got, (*steps, str(key)), True)

    def array_contains(
        self, matcher: Mapping[str, Any], expected: Any, actual: Any, steps: tuple[Step, ...]
    ) -> None:
        if not isinstance(actual, list) or not isinstance(expected, list):
            self.fail(steps, "array", kind_of(actual), f"expected an array, got {_shown(actual)}")
            return
        for variant in matcher.get("variants") or []:
            if not isinstance(variant, Mapping):
                continue
            index = variant.get("index", 0)
            if not isinstance(index, int) or not 0 <= index < len(expected):
                self.fail(steps, variant, actual, f"arrayContains variant {index!r} has no example")
                continue
            rules = rules_of(variant.get("rules"))
            if not any(not body_failures(expected[index], item, rules) for item in actual):
                self.fail(
                    steps,
                    expected[index],
                    actual,
                    f"expected an item like {_shown(expected[index])} (arrayContains variant "
                    f"{index}); none of the {len(actual)} item(s) matches",
                )

    def each_key(self, matcher: Mapping[str, Any], actual: Any, steps: tuple[Step, ...]) -> None:
        if not isinstance(actual, dict):
            self.fail(steps, "object", kind_of(actual), f"expected an object, got {_shown(actual)}")
            return
        for key in actual:
            for sub in _sub_rules(matcher):
                problem = scalar_problem(sub, key, key)
                if problem is not None:
                    self.fail((*steps, str(key)), sub, key, f"key {key!r}: {problem}")

    def each_value(
        self, matcher: Mapping[str, Any], expected: Any, actual: Any, steps: tuple[Step, ...]
    ) -> None:
        items: list[tuple[Step, Any]]
        if isinstance(actual, dict):
            items = [(str(k), v) for k, v in actual.items()]
        elif isinstance(actual, list):
            items = list(enumerate(actual))
        else:
            self.fail(
                steps,
                "object or array",
                kind_of(actual),
                f"expected an object or array, got {_shown(actual)}",
            )
            return
        example = _first(expected)
        for key, got in items:
            for sub in _sub_rules(matcher):
                self.matcher(sub, example, got, (*steps, key))


def _sub_rules(matcher: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = matcher.get("rules") or []
    return [m for m in found if isinstance(m, Mapping)]


def _first(value: Any) -> Any:
    if isinstance(value, dict):
        return next(iter(value.values()), None)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def body_failures(expected: Any, actual: Any, rules: Sequence[Rule]) -> list[RuleFailure]:
    """Where ``actual`` breaks the expected body under ``rules`` (see the module's rules)."""
    walk = _Walk(list(rules))
    walk.value(expected, actual, (), False)
    return walk.out


# -- one value against one matcher --------------------------------------------------------


def scalar_problem(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    """Why ``actual`` fails a value matcher (None: it passes)."""
    kind = str(matcher.get("match", "equality"))
    check = _SCALAR_CHECKS.get(kind)
    if check is None:
        return f"the matcher {kind!r} is not one Entente knows; it cannot pass"
    return check(matcher, expected, actual)


def _regex(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    pattern = str(matcher.get("regex", ""))
    text = _text(actual)
    if text is None:
        return f"expected a value matching /{pattern}/, got {_shown(actual)}"
    try:
        found = re.fullmatch(pattern, text)
    except re.error as exc:
        return f"the rule's regex /{pattern}/ is not valid ({exc})"
    return None if found else f"expected a value matching /{pattern}/, got {_shown(actual)}"


def _include(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    wanted = str(matcher.get("value", ""))
    text = _text(actual)
    if text is not None and wanted in text:
        return None
    return f"expected a value including {wanted!r}, got {_shown(actual)}"


def _number(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    ok = isinstance(actual, int | float) and not isinstance(actual, bool)
    return None if ok else f"expected a number, got {_shown(actual)}"


def _integer(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    ok = isinstance(actual, int) and not isinstance(actual, bool)
    return None if ok else f"expected an integer, got {_shown(actual)}"


def _decimal(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    return None if isinstance(actual, float) else f"expected a decimal number, got {_shown(actual)}"


def _boolean(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    ok = isinstance(actual, bool) or actual in ("true", "false")
    return None if ok else f"expected a boolean, got {_shown(actual)}"


def _null(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    return None if actual is None else f"expected null, got {_shown(actual)}"


def _equality(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    if kind_of(expected) == kind_of(actual) and expected == actual:
        return None
    return f"expected {_shown(expected)}, got {_shown(actual)}"


def _type(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    if kind_of(expected) == kind_of(actual):
        return None
    return f"expected {_article(kind_of(expected))}, got {_shown(actual)}"


def _not_empty(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    if actual in (None, "", [], {}):
        return f"expected a value that is not empty, got {_shown(actual)}"
    return _type(matcher, expected, actual)


def _semver(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    if isinstance(actual, str) and _SEMVER.match(actual):
        return None
    return f"expected a semantic version, got {_shown(actual)}"


def _status_code(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    wanted = matcher.get("status")
    if not isinstance(actual, int):
        return f"expected a status code, got {_shown(actual)}"
    if isinstance(wanted, list):
        return None if actual in wanted else f"expected one of statuses {wanted}, got {actual}"
    span = _STATUS_CLASSES.get(str(wanted))
    if span is None:
        return f"the statusCode matcher's status {wanted!r} is not one pact defines"
    spans = span if isinstance(span, tuple) else (span,)
    if any(actual in s for s in spans):
        return None
    return f"expected a {wanted} status, got {actual}"


def _content_type(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
    # Binary bodies are kept as text; their media type is checked with the headers.
    return None if actual is not None else "expected a body, got none"


def _dates(kind: str) -> Check:
    def check(matcher: Mapping[str, Any], expected: Any, actual: Any) -> str | None:
        pattern = matcher.get("format")
        if not isinstance(actual, str):
            return f"expected a {kind} string, got {_shown(actual)}"
        if pattern is None:
            return (
                None if _iso(kind, actual) else f"expected an ISO 8601 {kind}, got {_shown(actual)}"
            )
        try:
            strptime = java_to_strptime(str(pattern))
        except ValueError as exc:
            return f"the {kind} format {pattern!r} cannot be read ({exc})"
        try:
            datetime.strptime(actual, strptime)
        except ValueError:
            return f"expected a {kind} in the format {pattern!r}, got {_shown(actual)}"
        return None

    return check


def _iso(kind: str, text: str) -> bool:
    try:
        if kind == "date":
            datetime.strptime(text, "%Y-%m-%d")
        elif kind == "time":
            datetime.strptime(text.split(".")[0], "%H:%M:%S")
        else:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


Check = Callable[[Mapping[str, Any], Any, Any], str | None]

_SCALAR_CHECKS: dict[str, Check] = {
    "equality": _equality,
    "type": _type,
    "regex": _regex,
    "include": _include,
    "number": _number,
    "integer": _integer,
    "decimal": _decimal,
    "boolean": _boolean,
    "null": _null,
    "notEmpty": _not_empty,
    "semver": _semver,
    "statusCode": _status_code,
    "contentType": _content_type,
    "date": _dates("date"),
    "time": _dates("time"),
    "datetime": _dates("date-time"),
    "timestamp": _dates("date-time"),
}

#: Java (``DateTimeFormatter``/``SimpleDateFormat``) pattern letters, longest first.
_JAVA_LETTERS: tuple[tuple[str, str], ...] = (
    ("yyyy", "%Y"),
    ("uuuu", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("M", "%m"),
    ("dd", "%d"),
    ("d", "%d"),
    ("HH", "%H"),
    ("H", "%H"),
    ("hh", "%I"),
    ("h", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("SSSSSS", "%f"),
    ("SSS", "%f"),
    ("SS", "%f"),
    ("S", "%f"),
    ("a", "%p"),
    ("EEEE", "%A"),
    ("EEE", "%a"),
    ("XXX", "%z"),
    ("XX", "%z"),
    ("X", "%z"),
    ("ZZZ", "%z"),
    ("Z", "%z"),
    ("xxx", "%z"),
    ("z", "%Z"),
    ("D", "%j"),
)


def java_to_strptime(pattern: str) -> str:
    """A Java date pattern (``yyyy-MM-dd'T'HH:mm:ss.SSSXXX``) as a `strptime` format.
    ValueError for a letter it does not know."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            close = pattern.find("'", i + 1)
            if close < 0:
                raise ValueError(f"unclosed quote at {i}")
            literal = pattern[i + 1 : close] or "'"
            out.append(literal.replace("%", "%%"))
            i = close + 1
            continue
        if char.isalpha():
            for letters, directive in _JAVA_LETTERS:
                if pattern.startswith(letters, i):
                    out.append(directive)
                    i += len(letters)
                    break
            else:
                raise ValueError(f"pattern letter {char!r} at {i}")
            continue
        out.append("%%" if char == "%" else char)
        i += 1
    return "".join(out)


# -- headers and status -------------------------------------------------------------------


def header_failures(
    expected: Mapping[str, str], actual: Mapping[str, str], rules: Mapping[str, Any] | None
) -> list[RuleFailure]:
    """Each expected header must come (names are case-insensitive): judged by its rule when
    it has one, else by value (``Content-Type`` by media type, its parameters where given;
    others as comma-separated values)."""
    sent = {k.lower(): v for k, v in actual.items()}
    by_name = {str(k).lower(): v for k, v in (rules or {}).items()}
    failures: list[RuleFailure] = []
    for name, value in expected.items():
        key = name.lower()
        where = f"header:{key}"
        got = sent.get(key)
        if got is None:
            failures.append(
                RuleFailure(where, value, None, f"{where}: expected this header; not sent")
            )
            continue
        rule = by_name.get(key)
        if isinstance(rule, Mapping) and isinstance(rule.get("matchers"), list):
            problems = [
                p
                for m in rule["matchers"]
                if isinstance(m, Mapping) and (p := scalar_problem(m, value, got)) is not None
            ]
            combine = str(rule.get("combine", "AND")).upper()
            if problems and (combine == "AND" or len(problems) == len(rule["matchers"])):
                failures.append(RuleFailure(where, value, got, f"{where}: {problems[0]}"))
            continue
        if not _same_header(key, value, got):
            failures.append(
                RuleFailure(where, value, got, f"{where}: expected {value!r}, got {got!r}")
            )
    return failures


def _same_header(name: str, expected: str, actual: str) -> bool:
    if name == "content-type":
        want, *want_params = [p.strip() for p in expected.split(";")]
        got, *got_params = [p.strip() for p in actual.split(";")]
        given = {p.lower().replace(" ", "") for p in got_params}
        return want.lower() == got.lower() and all(
            p.lower().replace(" ", "") in given for p in want_params
        )
    split = [v.strip() for v in expected.split(",")]
    return split == [v.strip() for v in actual.split(",")]


def status_failures(
    expected: int, actual: int, rules: Mapping[str, Any] | None
) -> list[RuleFailure]:
    """The status by its rule (pact V4's ``status`` category: ``statusCode``), else equal."""
    entry: Any = None
    if isinstance(rules, Mapping):
        entry = rules if "matchers" in rules else rules.get("$")
    if isinstance(entry, Mapping) and isinstance(entry.get("matchers"), list):
        for matcher in entry["matchers"]:
            if isinstance(matcher, Mapping):
                problem = scalar_problem(matcher, expected, actual)
                if problem is not None:
                    return [RuleFailure("status", expected, actual, f"status: {problem}")]
        return []
    if expected == actual:
        return []
    return [RuleFailure("status", expected, actual, f"status: expected {expected}, got {actual}")]


# -- helpers ------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, dict | list) else kind_of(value)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = [
    "ANY",
    "RuleFailure",
    "body_failures",
    "header_failures",
    "java_to_strptime",
    "path_text",
    "rules_of",
    "scalar_problem",
    "status_failures",
]
