"""Which approved fixture answers a request: candidates and their order (pure functions).

A fixture is a **candidate** for a request when all of these hold:

* it is ``approved`` and its ``operation_id`` is the matched operation's (and its recorded
  method, when it has one, is the operation's);
* **path**: its recorded path fits the operation's template (any server base path before it
  is ignored) and each path parameter it pins equals the request's (decoded values compared
  as strings). A segment written as the template variable itself (``/castles/{id}``), or an
  empty path, pins nothing: such a fixture answers for any value;
* **query**: every query parameter it recorded is in the request with the same values, in the
  same order (raw strings compared). Parameters the request has beyond those are allowed;
* **body**: if it recorded a request body, the request's parsed body equals it (JSON
  equality: key order ignored, ``1 == 1.0``, ``true != 1``). A fixture without a body pins
  none. Headers are not compared (recordings carry incidental ones, e.g. User-Agent).

Anything else makes the fixture *contradict* the request: it is not a candidate (the reason
is kept for the match report). Candidates are ordered, best first, by:

1. specificity: how many of path and query match exactly (0-2; the query matches exactly when
   the request has no parameter beyond the fixture's), then how many single values (path
   and query parameters) the fixture pins: an exact ``/castles/42?region=x`` fixture beats
   one recorded for ``/castles/{id}``;
2. a pinned, equal request body beats no body;
3. the fixture's source: ``provider`` > ``consumer`` > ``manual``;
4. higher ``priority``;
5. ties, deterministically: newest ``approved_at`` (else ``created_at``) first, then ``id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import unquote

from entente_daemon.mock.http import MockRequest
from entente_daemon.mock.validation import RequestCheck
from entente_daemon.model import Fixture, FixtureSource, FixtureStatus
from entente_daemon.spec import Operation
from entente_daemon.spec.matcher import split_path

_SOURCE_RANK = {FixtureSource.PROVIDER: 2, FixtureSource.CONSUMER: 1, FixtureSource.MANUAL: 0}
_PIECES = re.compile(r"(\{[^{}]+\})")


class Score(NamedTuple):
    """Higher is better, compared in field order (rules 1-5 of the module docstring)."""

    exact: int  # 0-2: path and query matched exactly
    pinned: int  # path/query values the fixture pins
    body: int  # 1: the fixture pins the body and it matched
    source: int  # provider 2, consumer 1, manual 0
    priority: int
    newest: float  # approved_at (else created_at) as a timestamp


@dataclass(frozen=True)
class ScoredFixture:
    fixture: Fixture
    score: Score
    path: str  # "exact", "partial" or "any"
    query: str  # "exact", "partial" or "any"
    body: bool

    @property
    def summary(self) -> str:
        """``path+query exact, body match, source provider, priority 0``."""
        if self.path == "exact" and self.query == "exact":
            where = "path+query exact"
        else:
            where = f"path {self.path}, query {self.query}"
        body = "body match" if self.body else "no body pinned"
        return (
            f"{where}, {body}, source {self.fixture.source.value}, priority {self.score.priority}"
        )


@dataclass(frozen=True)
class Rejected:
    fixture: Fixture
    reason: str


def short_id(fixture: Fixture) -> str:
    return fixture.id[:8] + ("…" if len(fixture.id) > 8 else "")


def rank_fixtures(
    fixtures: Iterable[Fixture],
    operation: Operation,
    request: MockRequest,
    check: RequestCheck,
) -> list[ScoredFixture]:
    """The candidate fixtures for ``request``, best first."""
    return explain_ranking(fixtures, operation, request, check)[0]


def explain_ranking(
    fixtures: Iterable[Fixture],
    operation: Operation,
    request: MockRequest,
    check: RequestCheck,
) -> tuple[list[ScoredFixture], list[Rejected]]:
    """`rank_fixtures`, plus the fixtures of the operation that contradict the request and
    why."""
    template = compile_template(operation.path)
    request_params = path_values(template, request.path) or {}
    query: dict[str, list[str]] = request.query
    scored: list[ScoredFixture] = []
    rejected: list[Rejected] = []
    for fixture in fixtures:
        if fixture.operation_id != operation.operation_id:
            continue
        if fixture.status is not FixtureStatus.APPROVED:
            continue
        result = _score(fixture, operation, template, request_params, query, check.body)
        if isinstance(result, str):
            rejected.append(Rejected(fixture, result))
        else:
            scored.append(result)
    scored.sort(key=lambda s: (tuple(-x for x in s.score), s.fixture.id))
    return scored, rejected


def _score(
    fixture: Fixture,
    operation: Operation,
    template: Template,
    request_params: Mapping[str, str],
    query: Mapping[str, list[str]],
    body: Any,
) -> ScoredFixture | str:
    recorded = fixture.request
    if recorded.method and recorded.method.upper() != operation.method:
        return f"recorded for {recorded.method.upper()}, not {operation.method}"
    # path
    pinned_path: dict[str, str] = {}
    if recorded.path.strip():
        values = path_values(template, recorded.path)
        if values is None:
            return f"its path {recorded.path} does not fit {operation.path}"
        pinned_path = {k: v for k, v in values.items() if v != "{" + k + "}"}
        for name, value in pinned_path.items():
            if request_params.get(name) != value:
                return f"path parameter {name}={value!r} differs"
        if len(pinned_path) == len(template.names):
            path_level = "exact"
        else:
            path_level = "partial" if pinned_path else "any"
    else:
        path_level = "exact" if not template.names else "any"
    # query
    for name, wanted in recorded.query.items():
        got = query.get(name)
        if got != list(wanted):
            verdict = "is missing" if got is None else "differs"
            return f"query parameter {name}={wanted!r} {verdict}"
    if len(recorded.query) == len(query):
        query_level = "exact"
    else:
        query_level = "partial" if recorded.query else "any"
    # body
    body_match = recorded.body is not None
    if body_match and not same_json(recorded.body, body):
        return "request body differs"
    newest = fixture.approved_at or fixture.created_at
    score = Score(
        exact=(path_level == "exact") + (query_level == "exact"),
        pinned=len(pinned_path) + len(recorded.query),
        body=int(body_match),
        source=_SOURCE_RANK.get(fixture.source, 0),
        priority=fixture.priority,
        newest=newest.timestamp(),
    )
    return ScoredFixture(fixture, score, path_level, query_level, body_match)


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (``1 == 1.0``) but booleans apart from numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


# -- path templates ------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A path template as per-segment matchers: a literal string, or a regex with the names
    of the variables it captures."""

    segments: tuple[str | tuple[re.Pattern[str], tuple[str, ...]], ...]
    names: tuple[str, ...]


_TEMPLATES: dict[str, Template] = {}


def compile_template(path: str) -> Template:
    cached = _TEMPLATES.get(path)
    if cached is not None:
        return cached
    segments: list[str | tuple[re.Pattern[str], tuple[str, ...]]] = []
    names: list[str] = []
    for segment in (s for s in path.strip("/").split("/") if s):
        pieces = _PIECES.split(segment)
        if len(pieces) == 1:
            segments.append(unquote(segment))
            continue
        regex = ""
        own: list[str] = []
        for index, piece in enumerate(pieces):
            if index % 2:
                own.append(piece[1:-1])
                regex += "(.+)"
            else:
                regex += re.escape(unquote(piece))
        segments.append((re.compile(regex, re.DOTALL), tuple(own)))
        names.extend(own)
    template = Template(tuple(segments), tuple(names))
    if len(_TEMPLATES) > 4096:
        _TEMPLATES.clear()
    _TEMPLATES[path] = template
    return template


def path_values(template: Template, path: str) -> dict[str, str] | None:
    """The template variables' values in ``path`` (decoded), matching the template against
    the end of the path so that any base path before it is ignored; None if it does not fit.
    A segment ``{name}`` in ``path`` itself (a template recorded as is) comes back as the
    string ``"{name}"``."""
    segments = split_path(path)
    wanted = template.segments
    if len(segments) < len(wanted):
        return None
    values: dict[str, str] = {}
    for segment, matcher in zip(segments[len(segments) - len(wanted) :], wanted, strict=True):
        if isinstance(matcher, str):
            if segment != matcher:
                return None
            continue
        regex, names = matcher
        found = regex.fullmatch(segment)
        if found is None:
            return None
        values.update(zip(names, found.groups(), strict=True))
    return values
