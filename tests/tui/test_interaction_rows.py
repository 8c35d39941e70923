"""Folding a repeat into a shown row: exact with the daemon's stored total, once only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from entente_tui.widgets.interaction_rows import InteractionRow

T0 = datetime(2026, 11, 24, 9, 45, tzinfo=UTC)


def row(count: int, seen: datetime, total: int | None = None) -> InteractionRow:
    return InteractionRow(
        id="i1",
        consumer="castle-client",
        provider="castle-service",
        method="GET",
        path="/castles",
        status=200,
        operation_id="listCastles",
        source="example",
        test_id=None,
        run_id=None,
        duration_ms=1.0,
        seen=seen,
        count=count,
        total=total,
    )


def test_the_stored_total_sets_the_count_and_applies_once() -> None:
    shown = row(2, T0)
    # A repeat stamped earlier than what the row shows still counts: the total says so.
    again = row(1, T0 - timedelta(seconds=5), total=3)
    updated = shown.repeated(again)
    assert updated is not None
    assert updated.count == 3
    assert updated.seen == T0
    assert updated.repeated(again) is None  # the same event again changes nothing


def test_without_a_total_a_repeat_older_than_the_row_is_already_counted() -> None:
    shown = row(2, T0)
    assert shown.repeated(row(1, T0 - timedelta(seconds=1))) is None
    newer = shown.repeated(row(1, T0 + timedelta(seconds=1)))
    assert newer is not None
    assert newer.count == 3
