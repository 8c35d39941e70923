"""Sorting one frame's live events for the Interactions screen: new rows, repeats of rows,
and test-run changes, with the filters applied as the daemon applies them to pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from entente_daemon.client.events import InteractionRecorded, parse_payload
from entente_daemon.client.filters import InteractionFilter
from entente_daemon.model import Event, EventKind

from ..widgets.interaction_rows import InteractionRow
from ..widgets.test_runs import TestRunView, apply_test_event


@dataclass
class LiveBatch:
    fresh: list[InteractionRow] = field(default_factory=list)  # not shown yet, in order
    repeats: list[InteractionRow] = field(default_factory=list)  # made again (new: false)
    seen: list[InteractionRow] = field(default_factory=list)  # every row, filtered or not
    runs_changed: bool = False


def sort_events(
    events: Iterable[Event],
    filters: InteractionFilter,
    shown: Callable[[str], bool],
    runs: dict[str, TestRunView],
    *,
    interactions: bool = True,
) -> LiveBatch:
    """What ``events`` change. ``shown(id)``: whether the table has that row already (an
    event repeating what a page brought adds nothing). Test events update ``runs`` in place;
    interaction events are skipped unless ``interactions``."""
    batch = LiveBatch()
    fresh: dict[str, InteractionRow] = {}
    for event in events:
        if event.kind is not EventKind.INTERACTION_RECORDED:
            batch.runs_changed |= apply_test_event(runs, event)
            continue
        if not interactions:
            continue
        payload = parse_payload(event)
        if not isinstance(payload, InteractionRecorded):
            continue  # a payload this TUI cannot read (an older daemon's)
        row = InteractionRow.from_event(payload)
        batch.seen.append(row)
        if not filters.matches(row):
            continue
        if payload.new:
            if not shown(row.id):
                fresh.setdefault(row.id, row)
        else:
            batch.repeats.append(row)
    batch.fresh = list(fresh.values())
    return batch
