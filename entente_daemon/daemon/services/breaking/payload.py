"""A diff and its consumer impact, as the ``spec.breaking_change`` payload: each change with
the schema at its place on both sides (cut to `SCHEMA_CHARS` of JSON) and the recorded
interactions it breaks, consumers first, then the changes nobody recorded uses."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from typing import Any

from entente_daemon.client.events import (
    BreakingBaseline,
    BreakingChange,
    BreakingChangeItem,
    BreakingCounts,
    BreakingImpact,
)
from entente_daemon.diff.changes import Change, Level
from entente_daemon.diff.impact import ImpactReport
from entente_daemon.openapi import Spec
from entente_daemon.openapi import pointer as jp

SCHEMA_CHARS = 4000  # the JSON of one side's schema, at most; more is cut


def change_key(change: Change) -> tuple[object, ...]:
    """What makes two changes "the same" across saves (not the line: edits move it)."""
    where = change.location
    return (
        change.rule,
        where.path,
        (where.method or "").lower(),
        where.status,
        where.media_type,
        where.parameter,
        where.pointer,
    )


def build_payload(
    *,
    impact: ImpactReport,
    old: Spec,
    new: Spec,
    introduced: set[tuple[object, ...]],
    baseline: BreakingBaseline,
    fields: dict[str, Any],
) -> BreakingChange:
    items = [
        _item(entry.change, entry.impacts, old, new, change_key(entry.change) in introduced)
        for entry in impact.by_consumers_first()
    ]
    broken = sorted({f"{i.consumer} {i.consumer_version}" for i in impact.broken})
    counts = BreakingCounts(
        breaking=sum(1 for i in items if i.level == Level.BREAKING.value),
        warning=sum(1 for i in items if i.level == Level.WARNING.value),
        info=sum(1 for i in items if i.level == Level.INFO.value),
        consumers=len({name.split(" ")[0] for name in broken}),
        unused=sum(1 for i in items if i.level == Level.BREAKING.value and not i.impacts),
    )
    return BreakingChange(
        baseline=baseline,
        changes=items,
        consumers=broken,
        counts=counts,
        message=_message(counts, broken),
        **fields,
    )


def _message(counts: BreakingCounts, broken: list[str]) -> str:
    if not (counts.breaking or counts.warning):
        return "no breaking changes against the baseline"
    parts = [f"{counts.breaking} breaking", f"{counts.warning} warning"]
    text = ", ".join(parts) + " change(s)"
    if broken:
        return f"{text}; breaks {', '.join(broken)}"
    return f"{text}; no recorded consumer uses them"


def _item(
    change: Change, impacts: Iterable[Any], old: Spec, new: Spec, introduced: bool
) -> BreakingChangeItem:
    where = change.location
    old_schema, new_schema = schemas_at(old, new, where.spec_pointer)
    return BreakingChangeItem(
        rule=change.rule,
        level=change.level.value,
        side=change.side.value,
        operation=where.operation_label(),
        path=where.path,
        method=where.method,
        status=where.status,
        media_type=where.media_type,
        parameter=where.parameter,
        pointer=where.pointer,
        spec_pointer=where.spec_pointer,
        file=where.file,
        line=where.line,
        message=change.message,
        old=_small(change.old),
        new=_small(change.new),
        old_schema=old_schema,
        new_schema=new_schema,
        introduced=introduced,
        impacts=[
            BreakingImpact(
                consumer=i.consumer,
                consumer_version=i.consumer_version,
                test=i.test_id,
                operation=i.operation,
                operation_id=i.operation_id,
                field=i.field,
                interaction_id=i.interaction_id,
                message=i.sentence(),
            )
            for i in impacts
        ],
    )


def schemas_at(old: Spec, new: Spec, pointer: str) -> tuple[Any, Any]:
    """What each spec holds at ``pointer``, or at the nearest place above it that both hold
    (a property removed: the object it was in, on both sides), one ``$ref`` followed; cut
    to size."""
    place = pointer
    while place:
        try:
            before = jp.resolve(old.document, place)
            after = jp.resolve(new.document, place)
        except jp.PointerError:
            place = jp.parent(place)
            continue
        return _shown(old, before), _shown(new, after)
    return None, None


def _shown(spec: Spec, value: Any) -> Any:
    with contextlib.suppress(Exception):  # a ref the spec cannot follow: shown as written
        value = spec.deref(value)
    return _small(value)


def _small(value: Any) -> Any:
    if value is None:
        return None
    text = json.dumps(value, default=str, sort_keys=True)
    if len(text) <= SCHEMA_CHARS:
        return json.loads(text)
    return text[:SCHEMA_CHARS] + " …(cut)"
