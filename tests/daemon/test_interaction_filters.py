"""Filtering interactions by status and text (the TUI's filters), in the daemon's pages and
in the store fallback; and a repeat moving to the newest run in the daemon's index."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from entente_daemon.client import DaemonRequestError
from entente_daemon.client.filters import InteractionFilter
from entente_daemon.model import HttpRequest, HttpResponse, Interaction, new_id, utc_now
from entente_daemon.records.queries import page_interactions
from entente_daemon.store import Store

from .conftest import Daemon, interaction


def traffic(consumer: str) -> list[Interaction]:
    """Six interactions: three statuses, two operations, two tests."""
    items = []
    for n, (status, path, test) in enumerate(
        [
            (200, "/castles", "tests/t.py::test_list"),
            (200, "/castles/1", "tests/t.py::test_get"),
            (404, "/castles/404", "tests/t.py::test_get"),
            (500, "/castles/500", "tests/t.py::test_get"),
            (201, "/Towers", "tests/t.py::test_list"),
            (404, "/towers/9", None),
        ]
    ):
        items.append(
            interaction(
                n,
                consumer=consumer,
                operation_id="listCastles" if path == "/castles" else "getCastle",
                test_id=test,
                request=HttpRequest(method="POST" if status == 201 else "GET", path=path),
                response=HttpResponse(status=status),
            )
        )
    return items


def test_filter_rules() -> None:
    [listing, one, missing, broken, tower, _] = traffic("c")
    assert InteractionFilter(status="4xx").accepts(missing)
    assert not InteractionFilter(status="4xx").accepts(broken)
    assert InteractionFilter(status="500").accepts(broken)
    assert InteractionFilter(text="TOWERS").accepts(tower), "case-insensitive"
    assert InteractionFilter(text="post").accepts(tower), "the method"
    assert InteractionFilter(text="listcastles").accepts(listing), "the operation"
    assert InteractionFilter(text="test_get").accepts(one), "the test id"
    assert not InteractionFilter(text="test_get").accepts(listing)
    assert InteractionFilter(text="   ").empty, "blank text filters nothing"
    with pytest.raises(ValueError, match="neither a status class"):
        InteractionFilter(status="6xx")


def test_store_fallback_filters_by_status_and_text(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store") as store:
        for item in traffic("c"):
            store.interactions.add(item)
        page, total, start = page_interactions(store, InteractionFilter(status="4xx"), 1, None)
        assert (total, start) == (2, 1)
        assert [i.request.path for i in page] == ["/towers/9"]
        page, total, _ = page_interactions(
            store, InteractionFilter(consumer="c", text="towers"), 10, 0
        )
        assert [i.request.path for i in page] == ["/Towers", "/towers/9"]


def test_daemon_pages_filter_by_status_and_text(shared_daemon: Daemon) -> None:
    consumer = f"c-{uuid.uuid4().hex[:10]}"
    items = traffic(consumer)
    with shared_daemon.client() as client:
        client.upload_interactions(items)
        errors = client.interactions(consumer=consumer, status="4xx")
        assert [i.response.status for i in errors.items] == [404, 404]
        assert client.interactions(consumer=consumer, status="500").total == 1
        towers = client.interactions(consumer=consumer, text="tower", limit=1)
        assert (towers.total, towers.offset) == (2, 1)
        assert [i.request.path for i in towers.items] == ["/towers/9"]
        both = client.interactions(consumer=consumer, text="test_get", status="2xx")
        assert [i.request.path for i in both.items] == ["/castles/1"]
        with pytest.raises(DaemonRequestError, match="'status'") as refused:
            client.interactions(consumer=consumer, status="teapot")
        assert refused.value.status == 400


def test_a_repeat_belongs_to_the_newest_run(shared_daemon: Daemon) -> None:
    consumer = f"c-{uuid.uuid4().hex[:10]}"
    first = interaction(1, consumer=consumer, run_id="run-a")
    with shared_daemon.client() as client:
        client.upload_interactions([first])
        assert client.interactions(consumer=consumer, run="run-a").total == 1
        repeat = first.model_copy(
            update={"id": new_id(), "run_id": "run-b", "timestamp": utc_now()}
        )
        [stored_id] = client.upload_interactions([repeat]).ids
        assert stored_id == first.id
        assert client.interactions(consumer=consumer, run="run-a").total == 0
        in_b = client.interactions(consumer=consumer, run="run-b")
        assert [(i.id, i.count) for i in in_b.items] == [(first.id, 2)]
