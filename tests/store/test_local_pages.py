"""A filtered page of the local store (the CLI without a daemon: `records.queries`) comes
from the interactions' rows, then reads only the page's interactions."""

from __future__ import annotations

from pathlib import Path

from entente_daemon.client.filters import InteractionFilter
from entente_daemon.records.queries import page_interactions
from entente_daemon.store import Store

from .conftest import interaction


def test_a_filtered_page_reads_only_its_interactions(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        ids = [
            store.interactions.add(interaction(n, consumer=f"c{n % 3}", test_id=f"t.py::t{n}"))
            for n in range(30)
        ]
    with Store.open(tmp_path, readonly=True) as reader:
        where = InteractionFilter(consumer="c1", kind="contract")
        items, total, start = page_interactions(reader, where, 4, None)
        assert not reader._engine.loaded("interactions"), "the rows, then the page alone"
        assert (total, start) == (10, 6)
        assert [i.id for i in items] == [ids[n] for n in (19, 22, 25, 28)]
        items, total, _ = page_interactions(reader, InteractionFilter(text="castles/2"), 50, 0)
        assert [i.request.path for i in items] == [
            "/castles/2",
            *(f"/castles/2{n}" for n in range(10)),
        ]
        assert total == 11
        assert not reader._engine.loaded("interactions")
