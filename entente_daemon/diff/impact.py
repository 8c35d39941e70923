"""Consumer impact: which recorded contract interactions a spec change breaks, from what the
consumers actually did. Pure: two specs, a `DiffReport` and an `ImpactIndex` in, an
`ImpactReport` out.

For each recorded use of an operation the report names (`impact_of`):

* **the request**: it is matched and validated against the new spec as the mock would
  (`diff.replay`). An operation it no longer reaches (404/405 in the new spec) is gone for
  that consumer; a violation the old spec did not have means the new spec rejects what the
  consumer sends. Each is put down to the change that explains it (same parameter, same body
  place, the media type, security); one that no change explains is still reported, put down
  to the operation (`ImpactReport.unexplained`): the rules missed something;
* **the response status**: a status the consumer got that the new spec no longer documents;
* **the response body**: a response change (level warning or breaking) at a body place the
  recorded response held (`body_paths.touches`, ``*`` for array items), at the status the
  consumer got: the consumer read a field the new spec no longer guarantees. Likewise a
  response header it got, and the media type it got.

A change that breaks no recorded use is still listed (`ChangeImpact.impacts` empty): for a
breaking one, "breaking, but no recorded consumer uses it".

Only the operations the report names are read (and every recorded one when a change concerns
the whole API, such as a server base path), so a live re-check after a save costs the
recordings of the operations that changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from entente_daemon.diff.body_paths import readable, touches
from entente_daemon.diff.changes import Change, DiffReport, Level, Side
from entente_daemon.diff.impact_index import ImpactIndex, OperationKey, Use, place_of, short_test
from entente_daemon.diff.replay import Replay, replay, violation_key
from entente_daemon.mock.media import parse_media_type
from entente_daemon.mock.validation.request import Violation
from entente_daemon.openapi import MatchStatus, Operation, Spec

#: Rules that take an operation away from its callers.
OPERATION_GONE_RULES = frozenset({"path-removed", "operation-removed", "server-base-path-changed"})
#: Rules that take a response status away.
STATUS_GONE_RULES = frozenset(
    {"response-success-status-removed", "response-non-success-status-removed"}
)
#: How a response change reads after "reads `field`, ", by the end of its rule id.
_RESPONSE_VERBS: tuple[tuple[str, str], ...] = (
    ("property-removed", "which the new spec removes"),
    ("header-removed", "which the new spec removes"),
    ("became-optional", "which the new spec makes optional"),
    ("became-write-only", "which the new spec makes write-only (no longer returned)"),
    ("nullable-added", "which the new spec makes nullable"),
    ("type-changed", "whose type the new spec changes"),
    ("format-changed", "whose format the new spec changes"),
    ("enum-value-added", "to which the new spec adds enum values"),
    ("media-type-removed", "which the new spec no longer produces"),
    ("branch-added", "to which the new spec adds a oneOf/anyOf branch"),
)


@dataclass(frozen=True)
class Impact:
    """One recorded interaction a change breaks (``level`` breaking) or may break
    (warning). ``rule`` is None when no catalogued change explains it. ``field`` is the
    place involved as people read it: a response field (``region``, ``[*].region``), ``header
    X-Rate``, ``status 404``, a media type, or what of the request is refused (``body
    founder``, ``query limit``, ``credentials``); None for the operation as a whole."""

    consumer: str
    consumer_version: str
    test_id: str | None
    interaction_id: str
    operation: str  # "GET /castles/{id}"
    operation_id: str | None
    field: str | None
    what: str  # "reads `region`, which the new spec removes"
    level: Level
    rule: str | None = None

    @property
    def breaks(self) -> bool:
        return self.level is Level.BREAKING

    def sentence(self) -> str:
        """``breaks castle-client 1.0.0 (test_get_castle): GET /castles/{id} reads
        `region`, which the new spec removes``."""
        verb = "breaks" if self.breaks else "may break"
        return (
            f"{verb} {self.consumer} {self.consumer_version} ({short_test(self.test_id)}): "
            f"{self.operation} {self.what}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "consumer": self.consumer,
            "consumer_version": self.consumer_version,
            "test_id": self.test_id,
            "interaction_id": self.interaction_id,
            "operation": self.operation,
            "operation_id": self.operation_id,
            "field": self.field,
            "level": self.level.value,
            "rule": self.rule,
            "message": self.sentence(),
        }


@dataclass(frozen=True)
class ChangeImpact:
    """A change and the recorded interactions it breaks (empty: nobody recorded uses it)."""

    change: Change
    impacts: tuple[Impact, ...] = ()

    @property
    def used(self) -> bool:
        return bool(self.impacts)


@dataclass(frozen=True)
class ImpactReport:
    """Every change of the report with its impacts (the report's order), and the impacts
    no change explains."""

    changes: tuple[ChangeImpact, ...] = ()
    unexplained: tuple[Impact, ...] = ()

    @property
    def impacts(self) -> tuple[Impact, ...]:
        return tuple(i for c in self.changes for i in c.impacts) + self.unexplained

    @property
    def broken(self) -> tuple[Impact, ...]:
        """The impacts that break a recorded consumer (not the ones that may)."""
        return tuple(i for i in self.impacts if i.breaks)

    @property
    def consumers_broken(self) -> list[tuple[str, str]]:
        return sorted({(i.consumer, i.consumer_version) for i in self.broken})

    def by_consumers_first(self) -> list[ChangeImpact]:
        """The changes that touch a recorded consumer first (breaking before warning), then
        those nobody recorded uses, each group in the report's order."""
        used = [c for c in self.changes if c.used]
        used.sort(key=lambda c: -max(i.level.rank for i in c.impacts))
        return used + [c for c in self.changes if not c.used]

    def to_json(self) -> dict[str, Any]:
        return {
            "consumers_broken": [
                {"consumer": name, "version": version} for name, version in self.consumers_broken
            ],
            "changes": [
                {
                    "rule": c.change.rule,
                    "level": c.change.level.value,
                    "message": c.change.message,
                    "operation": c.change.location.operation_label() or None,
                    "impacts": [i.to_json() for i in c.impacts],
                }
                for c in self.by_consumers_first()
            ],
            "unexplained": [i.to_json() for i in self.unexplained],
        }


def impact_of(
    report: DiffReport,
    old: Spec,
    new: Spec,
    index: ImpactIndex,
    *,
    everywhere: bool = False,
) -> ImpactReport:
    """The impact of ``report`` (``old`` → ``new``) on the recorded uses in ``index``. Only
    the operations the report names are read, unless a change concerns the whole API or
    ``everywhere`` asks for every recorded operation (which also finds impacts on operations
    no change names)."""
    found = _Found(report.changes)
    by_place: dict[OperationKey, list[Change]] = {}
    spec_wide: list[Change] = []
    for change in report.changes:
        location = change.location
        if location.path is None:
            spec_wide.append(change)
        else:
            by_place.setdefault(place_of(location.method or "", location.path), []).append(change)
    old_operations = _operations_by_place(old)
    places: set[OperationKey] = set(by_place)
    if everywhere or any(c.level.rank > Level.INFO.rank for c in spec_wide):
        places |= index.keys()
        recorded_ids = index.operation_ids()
        places |= {
            place_of(op.method, op.path) for op in old.operations if op.operation_id in recorded_ids
        }
    for place in sorted(places):
        old_operation = old_operations.get(place)
        named = by_place.get(place, [])
        if old_operation is not None:
            label = f"{old_operation.method} {old_operation.path}"
        elif named:
            label = named[0].location.operation_label()
        else:
            label = f"{place[0]} {index.template(place)}"
        operation_id = old_operation.operation_id if old_operation else None
        for use in index.uses_at(place[0], place[1], operation_id):
            _UseCheck(use, label, old, new, old_operation, named + spec_wide, found).run()
    return found.report()


#: Each spec's operations by (method, template), made once per spec (a live check diffs
#: against the same baseline again and again).
_PLACES: WeakKeyDictionary[Spec, dict[OperationKey, Operation]] = WeakKeyDictionary()


def _operations_by_place(spec: Spec) -> dict[OperationKey, Operation]:
    found = _PLACES.get(spec)
    if found is None:
        found = {place_of(op.method, op.path): op for op in spec.operations}
        _PLACES[spec] = found
    return found


class _Found:
    """Impacts gathered per change (by position: two changes may be equal) and unexplained."""

    def __init__(self, changes: tuple[Change, ...]) -> None:
        self._changes = changes
        self._positions = {id(change): n for n, change in enumerate(changes)}
        self._impacts: list[list[Impact]] = [[] for _ in changes]
        self._unexplained: list[Impact] = []
        self._seen: set[tuple[int, str, str | None, str]] = set()

    def add(self, change: Change | None, impact: Impact) -> None:
        position = -1 if change is None else self._positions[id(change)]
        key = (position, impact.interaction_id, impact.field, impact.what)
        if key in self._seen:
            return
        self._seen.add(key)
        if change is None:
            self._unexplained.append(impact)
        else:
            self._impacts[position].append(impact)

    def report(self) -> ImpactReport:
        return ImpactReport(
            tuple(
                ChangeImpact(change, tuple(impacts))
                for change, impacts in zip(self._changes, self._impacts, strict=True)
            ),
            tuple(self._unexplained),
        )


@dataclass
class _UseCheck:
    """One recorded use checked against the changes at its operation."""

    use: Use
    label: str  # "GET /castles/{id}"
    old: Spec
    new: Spec
    old_operation: Operation | None
    candidates: list[Change]
    found: _Found

    def run(self) -> None:
        request = self.use.interaction.request
        now = replay(self.new, request)
        if now.operation is None:
            self._operation_gone(now)
            return
        if now.violations:
            self._rejected(now)
        self._response(now.operation)

    # -- what is found --------------------------------------------------------------------

    def _impact(
        self, change: Change | None, place: str | None, what: str, level: Level | None = None
    ) -> None:
        interaction = self.use.interaction
        impact = Impact(
            consumer=interaction.consumer,
            consumer_version=interaction.consumer_version,
            test_id=interaction.test_id,
            interaction_id=interaction.id,
            operation=self.label,
            operation_id=self.old_operation.operation_id
            if self.old_operation
            else interaction.operation_id,
            field=place,
            what=what,
            level=level or (change.level if change is not None else Level.BREAKING),
            rule=change.rule if change is not None else None,
        )
        self.found.add(change, impact)

    def _first(self, wanted: Iterable[Change]) -> Change | None:
        ranked = sorted(wanted, key=lambda c: -c.level.rank)
        return ranked[0] if ranked else None

    # -- the request ----------------------------------------------------------------------

    def _operation_gone(self, now: Replay) -> None:
        change = self._first(c for c in self.candidates if c.rule in OPERATION_GONE_RULES)
        if change is None:
            change = self._first(
                c
                for c in self.candidates
                if c.location.path is not None
                and c.location.status is None
                and c.location.parameter is None
                and not c.location.pointer
                and c.level is Level.BREAKING
            )
        answer = "405" if now.status is MatchStatus.METHOD_NOT_ALLOWED else "404"
        request = self.use.interaction.request
        what = (
            f"can no longer be called as recorded: {request.method.upper()} {request.path} "
            f"would get {answer} under the new spec"
        )
        self._impact(change, None, what, Level.BREAKING)

    def _rejected(self, now: Replay) -> None:
        before = replay(self.old, self.use.interaction.request)
        known = {violation_key(v) for v in before.violations}
        for violation in now.violations:
            if violation_key(violation) in known:
                continue  # the old spec refused it as well: not this change's doing
            change = self._first(c for c in self.candidates if _explains(c, violation))
            place = _violation_place(violation)
            what = f"would be rejected by the new spec: {violation.message}"
            self._impact(change, place, what, Level.BREAKING)

    # -- the response ---------------------------------------------------------------------

    def _response(self, new_operation: Operation) -> None:
        status = self.use.status
        before = self.old_operation.response_for(status) if self.old_operation else None
        if before is None:
            return  # the old spec did not document what the consumer got either
        if new_operation.response_for(status) is None:
            change = self._first(
                c
                for c in self.candidates
                if c.rule in STATUS_GONE_RULES and c.location.status == before.status
            )
            what = f"gets status {status}, which the new spec no longer documents"
            self._impact(change, f"status {status}", what, Level.BREAKING)
            return
        media = _essence(self._recorded_header("content-type"))
        for change in self.candidates:
            location = change.location
            if change.side is not Side.RESPONSE or change.level is Level.INFO:
                continue
            if change.rule in STATUS_GONE_RULES:
                continue
            if location.status is not None and location.status != before.status:
                continue
            changed_media = _essence(location.media_type)
            if changed_media is not None and media is not None and changed_media != media:
                continue
            self._response_change(change, media)

    def _response_change(self, change: Change, media: str | None) -> None:
        location = change.location
        verb = _verb(change)
        if location.parameter is not None and location.parameter.startswith("header:"):
            name = location.parameter.split(":", 1)[1]
            if self.use.response_header(name):
                self._impact(change, f"header {name}", f"reads header `{name}`, {verb}")
            return
        if change.rule.endswith("media-type-removed"):
            if media is not None and media == _essence(location.media_type):
                self._impact(change, media, f"gets `{media}`, {verb}")
            return
        touched = touches(location.pointer, self.use.places, has_body=self.use.has_body)
        if touched is None:
            return
        shown = readable(touched)
        what = f"reads `{shown}`, {verb}" if touched else f"reads the body, {verb}"
        self._impact(change, shown if touched else None, what)

    def _recorded_header(self, name: str) -> str | None:
        wanted = name.lower()
        headers = self.use.interaction.response.headers
        return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _verb(change: Change) -> str:
    for ending, verb in _RESPONSE_VERBS:
        if change.rule.endswith(ending):
            detail = ""
            if ending == "type-changed" and change.old is not None and change.new is not None:
                detail = f" ({_shown(change.old)} → {_shown(change.new)})"
            return verb + detail
    return f"which the new spec changes ({change.message})"


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "/".join(str(v) for v in value)
    return str(value)


def _essence(media_type: str | None) -> str | None:
    if not media_type:
        return None
    parsed = parse_media_type(media_type)
    return parsed.essence if parsed is not None else media_type.lower()


def _violation_place(violation: Violation) -> str | None:
    """What of the request a violation is about: ``body founder``, ``body``, ``query
    limit``, ``content-type``, ``credentials``."""
    name = violation.name
    if violation.location == "body":
        return f"body {readable(name)}" if name else "body"
    if violation.location in ("path", "query", "header", "cookie") and name:
        return f"{violation.location} {name}"
    if violation.location == "security":
        return "credentials"
    return violation.location


def _steps(pointer: str) -> list[str]:
    return pointer.split("/")[1:] if pointer else []


def _related(change_pointer: str, violation_pointer: str) -> bool:
    """One place is the other or inside it; ``*`` in the change's pointer is any step, and a
    violation's array index is an item (``/tags/0`` is at ``/tags/*``)."""
    ours, theirs = _steps(change_pointer), _steps(violation_pointer)
    return all(a == b or a == "*" for a, b in zip(ours, theirs, strict=False))


def _explains(change: Change, violation: Violation) -> bool:
    """Whether ``change`` is why the new spec refuses the request with ``violation``."""
    if change.side is Side.RESPONSE:
        return violation.location == "accept" and change.rule.endswith("media-type-removed")
    location = change.location
    rule = change.rule
    if violation.location == "security":
        return rule.startswith("security-")
    if violation.location in ("path", "query", "header", "cookie"):
        if location.parameter is None or violation.name is None:
            return rule in OPERATION_GONE_RULES
        where, _, name = location.parameter.partition(":")
        if violation.location == "header":
            same_name = name.lower() == violation.name.lower()
        else:
            same_name = name == violation.name
        return same_name and (where == violation.location or rule == "request-parameter-moved")
    if violation.location == "content-type":
        return rule.startswith("request-body")
    if violation.location == "body":
        body_rule = rule.startswith(("request-body", "request-property"))
        if location.parameter is not None or not body_rule:
            return False
        return _related(location.pointer, violation.name or "")
    return False
