"""What a provider is verified against (`records.contracts`): every case of the rule."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from entente_daemon.model import HttpRequest, HttpResponse, Interaction
from entente_daemon.records.contracts import contract_interactions, latest_runs

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def made(
    path: str,
    *,
    test: str | None = "t::a",
    run: str | None = "r1",
    minute: int = 0,
    last_minute: int | None = None,
    consumer: str = "web",
    version: str = "1.0",
    promoted: bool = False,
) -> Interaction:
    return Interaction(
        consumer=consumer,
        consumer_version=version,
        provider="api",
        provider_version="1",
        request=HttpRequest(method="GET", path=path),
        response=HttpResponse(status=200),
        test_id=test,
        run_id=run,
        timestamp=T0 + timedelta(minutes=minute),
        last_seen=None if last_minute is None else T0 + timedelta(minutes=last_minute),
        promoted=promoted,
    )


def paths(interactions: list[Interaction]) -> list[str]:
    return [i.request.path for i in interactions]


def test_a_test_made_interaction_is_contract_anything_else_exploratory() -> None:
    assert made("/a").kind == "contract"
    assert made("/a", test=None).kind == "exploratory"
    assert made("/a", test="").kind == "exploratory"
    assert made("/a", test=None, promoted=True).kind == "contract"


def test_stored_data_without_the_field_reads_and_derives_it() -> None:
    data = made("/a", test=None).to_json()
    del data["promoted"]
    old = Interaction.from_json(data)
    assert old.promoted is False
    assert old.kind == "exploratory"
    data["test_id"] = "t::x"
    assert Interaction.from_json(data).kind == "contract"


def test_promoting_does_not_change_the_content_hash() -> None:
    plain = made("/a", test=None)
    assert plain.compute_hash() == plain.model_copy(update={"promoted": True}).compute_hash()


def test_exploratory_interactions_are_never_verified() -> None:
    stray = made("/stray", test=None, run=None, minute=9)
    assert paths(contract_interactions([made("/a"), stray])) == ["/a"]
    assert contract_interactions([stray]) == []


def test_only_the_latest_run_of_each_consumer_version_counts() -> None:
    first = [made("/a", run="r1", minute=0), made("/gone", run="r1", minute=1)]
    second = [made("/a", run="r2", minute=5, test="t::b")]
    assert paths(contract_interactions(first + second)) == ["/a"]
    assert latest_runs(first + second) == {("web", "1.0"): "r2"}


def test_a_repeat_in_a_later_run_keeps_its_place() -> None:
    # stored once (merged): its run became the latest that made it, last_seen with it
    repeated = made("/a", run="r2", minute=0, last_minute=5)
    dropped = made("/gone", run="r1", minute=1)
    assert paths(contract_interactions([repeated, dropped])) == ["/a"]


def test_each_consumer_version_has_its_own_latest_run() -> None:
    old = made("/old", run="r1", minute=0, version="1.0")
    new = made("/new", run="r2", minute=5, version="2.0")
    other = made("/other", run="r0", minute=1, consumer="app")
    assert paths(contract_interactions([old, new, other])) == ["/old", "/new", "/other"]


def test_promoted_interactions_count_whatever_the_run() -> None:
    kept = made("/kept", test=None, run=None, minute=0, promoted=True)
    later = made("/later", run="r2", minute=5)
    assert paths(contract_interactions([kept, later])) == ["/kept", "/later"]
    # a promoted stray alone is verified too
    assert paths(contract_interactions([kept])) == ["/kept"]


def test_interactions_without_a_run_are_one_run() -> None:
    a = made("/a", run=None, minute=0)
    b = made("/b", run=None, minute=1)
    assert paths(contract_interactions([a, b])) == ["/a", "/b"]
    c = made("/c", run="r9", minute=2)
    assert paths(contract_interactions([a, b, c])) == ["/c"]
    assert paths(contract_interactions([c, made("/d", run=None, minute=3)])) == ["/d"]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_the_order_given_does_not_change_which_run_is_latest(order: tuple[int, ...]) -> None:
    pool = [
        made("/r1", run="r1", minute=0),
        made("/r2", run="r2", minute=2),
        made("/r3", run="r3", minute=1),
    ]
    assert paths(contract_interactions([pool[n] for n in order])) == ["/r2"]
