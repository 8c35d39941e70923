"""The daemon's side of the store's scale (issue 13, item 11): the filter index is built off
the recorder's writer thread, and each project's ``[store]`` bound applies to its
recordings."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from entente_daemon.client.filters import InteractionFilter
from entente_daemon.config import load_project_config
from entente_daemon.daemon.services.store_bounds import StoreBounds
from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.model import EventKind, HttpRequest
from entente_daemon.store import Store

from .conftest import interaction


async def test_the_filter_index_is_built_off_the_writer_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(tmp_path / "store") as store:
        ids = [store.interactions.add(interaction(n)) for n in range(30)]
    writer = StoreWriter(tmp_path / "store", dispatch=lambda events: None)
    built_on: list[str] = []
    build = writer.index.build

    def watched(store: Store) -> None:
        built_on.append(threading.current_thread().name)
        build(store)

    monkeypatch.setattr(writer.index, "build", watched)
    await writer.start()
    try:
        index = await writer.ensure_index()
        page, total, _ = index.page(InteractionFilter(provider="castle-service"), 50, None)
    finally:
        await writer.stop()
    assert page == ids
    assert total == 30
    assert built_on
    assert not built_on[0].startswith("entente-recorder"), built_on


async def test_a_projects_bound_applies_to_its_recordings(tmp_path: Path) -> None:
    (tmp_path / "entente.toml").write_text(
        'service = "castle-client"\n[store]\nmax_interactions_per_key = 3\n'
    )
    config = load_project_config(tmp_path / "entente.toml")
    assert config.store.max_interactions_per_key == 3
    bounds = StoreBounds()
    await bounds.project_changed(config)
    load = [
        interaction(n, operation_id="getCastle", request=HttpRequest(method="GET", path=f"/c/{n}"))
        for n in range(10)
    ]
    other = [
        interaction(
            n,
            consumer="tower-client",
            operation_id="getCastle",
            request=HttpRequest(method="GET", path=f"/c/{n}"),
        )
        for n in range(10)
    ]
    with Store.open(tmp_path / "store") as store:
        kept, notices = bounds.admit(store, load + other)
        for item in kept:
            store.interactions.add(item)
        assert store.interactions.count() == 3 + 10, "the other consumer: the default, 20"
    assert [e.kind for e in notices] == [EventKind.STORE_SAMPLED]
    assert notices[0].payload["kept"] == 3
    assert bounds.sampled == 7
