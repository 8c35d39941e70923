"""The store keeps a bounded number of interactions per bucket and counts the rest
(issue 13, item 11): a load test through a mock must not grow the store without bound."""

from __future__ import annotations

from pathlib import Path

from entente_daemon.model import HttpRequest
from entente_daemon.store import BoundsPolicy, Store

from .conftest import interaction


def test_a_full_bucket_keeps_its_first_interactions_and_counts_the_rest(tmp_path: Path) -> None:
    with Store.open(tmp_path, bounds=BoundsPolicy(max_per_key=5)) as store:
        added = [
            store.interactions.add_counted(
                interaction(
                    n, operation_id="getCastle", request=HttpRequest(method="GET", path=f"/c/{n}")
                )
            )
            for n in range(12)
        ]
        assert [a.kept for a in added] == [True] * 5 + [False] * 7
        assert store.interactions.count() == 5
        assert store.interactions.sampled() == {"castle-service": 7}
    with Store.open(tmp_path, readonly=True) as reader:
        assert reader.interactions.count() == 5
        assert reader.interactions.sampled() == {"castle-service": 7}, "the count is durable"


def test_the_default_bound_holds_for_many_distinct_requests(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        for n in range(200):
            store.interactions.add(
                interaction(
                    n, operation_id="getCastle", request=HttpRequest(method="GET", path=f"/c/{n}")
                )
            )
        assert store.interactions.count() == 20
        assert store.interactions.sampled() == {"castle-service": 180}


def test_repeats_of_a_kept_interaction_still_merge_when_the_bucket_is_full(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path, bounds=BoundsPolicy(max_per_key=2)) as store:
        first = interaction(
            0, operation_id="getCastle", request=HttpRequest(method="GET", path="/c/0")
        )
        store.interactions.add(first)
        store.interactions.add(
            interaction(1, operation_id="getCastle", request=HttpRequest(method="GET", path="/c/1"))
        )
        again = store.interactions.add_counted(first.model_copy(update={"id": "other"}))
        assert (again.kept, again.new, again.count) == (True, False, 2)
        assert store.interactions.sampled() == {}


def test_buckets_are_told_apart_by_every_part_of_the_key(tmp_path: Path) -> None:
    variants: list[dict[str, object]] = [
        {},
        {"provider": "tower-service"},
        {"consumer": "tower-client"},
        {"consumer_version": "2.0.0"},
        {"operation_id": "listCastles"},
        {"test_id": "tests/test_castle.py::test_get"},
    ]
    with Store.open(tmp_path, bounds=BoundsPolicy(max_per_key=1)) as store:
        for n, fields in enumerate(variants):
            values = {"operation_id": "getCastle", **fields}
            store.interactions.add(
                interaction(n, request=HttpRequest(method="GET", path=f"/c/{n}"), **values)
            )
        assert store.interactions.count() == len(variants)
        assert store.interactions.sampled() == {}


def test_deleting_makes_room_again(tmp_path: Path) -> None:
    with Store.open(tmp_path, bounds=BoundsPolicy(max_per_key=2)) as store:
        ids = [
            store.interactions.add(
                interaction(
                    n, operation_id="getCastle", request=HttpRequest(method="GET", path=f"/c/{n}")
                )
            )
            for n in range(3)
        ]
        assert ids[2] == ""
        store.interactions.delete(ids[0])
        later = store.interactions.add_counted(
            interaction(9, operation_id="getCastle", request=HttpRequest(method="GET", path="/c/9"))
        )
        assert later.kept


def test_a_consumer_may_have_its_own_bound_and_zero_means_unbounded(tmp_path: Path) -> None:
    policy = BoundsPolicy(max_per_key=1, per_consumer={"castle-client": 0})
    with Store.open(tmp_path, bounds=policy) as store:
        for n in range(30):
            store.interactions.add(
                interaction(
                    n, operation_id="getCastle", request=HttpRequest(method="GET", path=f"/c/{n}")
                )
            )
        assert store.interactions.count() == 30
