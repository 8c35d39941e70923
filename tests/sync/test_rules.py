"""The sync's pure rules: how long to wait after failures, which fixture decision wins."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from entente_daemon.daemon.services.sync.backoff import Backoff
from entente_daemon.daemon.services.sync.conflicts import Decision, later

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "expected"),
    [(0, 0.0), (1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (50, 60.0), (10_000, 60.0)],
)
def test_backoff_doubles_up_to_its_cap(failures: int, expected: float) -> None:
    backoff = Backoff(base=1.0, cap=60.0, jitter=0.0, failures=failures)
    assert backoff.delay() == expected


def test_backoff_jitter_stays_within_its_spread_and_the_cap() -> None:
    backoff = Backoff(base=10.0, cap=15.0, jitter=0.2, _random=random.Random(7))
    delays = [backoff.failed() for _ in range(20)]
    assert 8.0 <= delays[0] <= 12.0
    assert all(0 < d <= 15.0 for d in delays)
    assert len(set(delays)) > 1  # varied, so a team's daemons do not ask in step


def test_backoff_starts_over_after_a_success() -> None:
    backoff = Backoff(jitter=0.0)
    backoff.failed()
    backoff.failed()
    backoff.succeeded()
    assert backoff.delay() == 0.0
    assert backoff.failed() == 1.0


def _d(status: str, by: str, minutes: int) -> Decision:
    return Decision(status, by, T0 + timedelta(minutes=minutes))


@pytest.mark.parametrize(
    ("local", "remote", "replaces"),
    [
        (None, _d("approved", "ana", 0), True),  # nothing known here
        (_d("approved", "ana", 0), _d("rejected", "bo", 5), True),  # later wins
        (_d("rejected", "bo", 5), _d("approved", "ana", 0), False),  # earlier loses
        (_d("approved", "ana", 5), _d("rejected", "bo", 5), False),  # a tie keeps ours
    ],
)
def test_the_later_decision_wins(local: Decision | None, remote: Decision, replaces: bool) -> None:
    assert later(local, remote) is replaces


def test_decisions_compare_naive_and_aware_times_alike() -> None:
    naive = Decision("approved", "ana", datetime(2026, 12, 2, 12, 0))
    assert later(naive, _d("rejected", "bo", 1))
    assert not later(_d("rejected", "bo", 1), naive)


def test_a_decision_reads_back_and_bad_ones_read_as_none() -> None:
    decision = _d("approved", "ana", 3)
    assert Decision.from_json(decision.to_json()) == decision
    assert Decision.from_json({"status": "approved"}) is None
    assert Decision.from_json({"status": "approved", "at": "yesterday"}) is None
