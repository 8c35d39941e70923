"""The store's layout (issue 13, item 11): one file per table, the interactions read on
first use, older stores migrated in the background after open, and the crash-safety
invariants kept."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.errors import StoreError
from entente_daemon.model import Fixture, HttpRequest, HttpResponse
from entente_daemon.store import Store, fsutil
from entente_daemon.store import engine as engine_module
from entente_daemon.store import snapshot as snapshot_module
from entente_daemon.store.journal import encode_entry

from .conftest import interaction

QUIET = 3600.0  # no background flush: the test decides when changes become durable


def fixture(n: int) -> Fixture:
    return Fixture(
        provider="castle-service",
        provider_versions=["2.0.0"],
        operation_id="getCastle",
        request=HttpRequest(method="GET", path=f"/castles/{n}"),
        response=HttpResponse(status=200, body={"id": n}),
    )


def manifest(directory: Path) -> dict[str, object]:
    meta = json.loads((directory / "store.json").read_bytes())["_entente_store"]
    assert isinstance(meta, dict)
    return meta


def test_opening_reads_no_interaction_until_one_is_used(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        ids = [store.interactions.add(interaction(n)) for n in range(30)]
        store.fixtures.add(fixture(1))
    tables = manifest(tmp_path)["tables"]
    assert isinstance(tables, dict)
    assert sorted(tables) == ["fixtures", "interaction_rows", "interactions"], "one per table"
    assert all((tmp_path / entry["file"]).is_file() for entry in tables.values())
    for readonly in (True, False):
        with Store.open(tmp_path, readonly=readonly) as store:
            engine = store._engine
            assert not engine.loaded("interactions")
            assert [f.request.path for f in store.fixtures.list()] == ["/castles/1"]
            assert store.interactions.count() == 30, "counted from the manifest"
            assert not engine.loaded("interactions"), "fixtures and counts read none"
            assert store.interactions.ids() == ids
            assert engine.loaded("interactions")


def test_journal_changes_to_unread_interactions_apply_when_they_are_read(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path) as store:
        first = [store.interactions.add(interaction(n)) for n in range(5)]
    writer = Store.open(tmp_path, flush_interval=QUIET)
    try:
        writer.interactions.delete(first[0])
        later = writer.interactions.add(interaction(9))
        writer.flush()  # in the journal, not in the snapshot
        with Store.open(tmp_path, readonly=True) as reader:
            assert not reader._engine.loaded("interactions")
            assert reader.interactions.count() == 5
            assert reader.interactions.ids() == [*first[1:], later]
    finally:
        writer.close()


def test_a_compaction_rewrites_only_the_tables_that_changed(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        for n in range(5):
            store.interactions.add(interaction(n))
        store.fixtures.add(fixture(1))
    before = manifest(tmp_path)["tables"]
    assert isinstance(before, dict)
    with Store.open(tmp_path) as store:
        store.fixtures.add(fixture(2))
        store.compact()
        assert not store._engine.loaded("interactions")
    after = manifest(tmp_path)["tables"]
    assert isinstance(after, dict)
    assert after["interactions"] == before["interactions"], "the interactions file is kept"
    assert after["fixtures"] != before["fixtures"]
    files = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "tables").iterdir()}
    listed = {entry[key] for entry in after.values() for key in ("file", "index") if key in entry}
    assert files == listed, "older files are removed"


def test_a_reader_keeps_its_unread_interactions_when_a_compaction_removes_their_file(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path) as store:
        ids = [store.interactions.add(interaction(n)) for n in range(5)]
    tables = manifest(tmp_path)["tables"]
    assert isinstance(tables, dict)
    old_file = tmp_path / tables["interactions"]["file"]
    with Store.open(tmp_path, readonly=True) as reader:
        with Store.open(tmp_path) as writer:
            writer.interactions.add(interaction(7))
            writer.compact()
        assert not old_file.exists()
        assert reader.interactions.ids() == ids, "the state of the moment it was opened"
        reader.reload()
        assert len(reader.interactions.ids()) == 6


def format_1_store(directory: Path, count: int) -> list[str]:
    """A store as `bc4ecc0` wrote it: every table inline in ``store.json``, and a journal."""
    docs = {}
    for n in range(count):
        recorded = interaction(n).with_hash()
        docs[recorded.id] = recorded.to_json()
    directory.mkdir(parents=True, exist_ok=True)
    snapshot = {
        "_entente_store": {"format": 1, "seq": 3, "generation": 1},
        "interactions": docs,
        "services": {"castle-service": {"name": "castle-service", "role": "provider"}},
    }
    (directory / "store.json").write_text(json.dumps(snapshot))
    late = interaction(count).with_hash()
    (directory / "journal.1.log").write_bytes(
        encode_entry(4, "interactions", late.id, late.to_json())
    )
    return [*docs, late.id]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.01)


def test_a_format_1_store_is_migrated_in_the_background_and_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first writer's open reads the old layout as it is; its compactor writes the new
    one meanwhile (held here until the open has returned and the store was used)."""
    ids = format_1_store(tmp_path, 12)
    with Store.open(tmp_path, readonly=True) as reader:  # a reader does not migrate
        assert reader.interactions.ids() == ids
    assert manifest(tmp_path)["format"] == 1
    opened = threading.Event()
    real_write_tables = snapshot_module.write_tables

    def held_write_tables(*args: Any, **kwargs: Any) -> Any:
        opened.wait(30)
        return real_write_tables(*args, **kwargs)

    monkeypatch.setattr(engine_module, "write_tables", held_write_tables)
    with Store.open(tmp_path) as store:
        assert manifest(tmp_path)["format"] == 1, "not migrated by the open itself"
        assert store._engine.migrating
        added = store.interactions.add(interaction(99))
        assert store.interactions.ids() == [*ids, added]
        opened.set()
        wait_until(lambda: not store._engine.migrating, "the background migration")
        assert manifest(tmp_path)["format"] == 2
        assert store.interactions.ids() == [*ids, added]
    ids.append(added)
    assert not list(tmp_path.glob("journal.1.log")), "the old journal is in the snapshot"
    with Store.open(tmp_path, readonly=True) as reader:
        assert not reader._engine.loaded("interactions")
        assert reader.interactions.ids() == ids
        assert [s.name for s in reader.services.list()] == ["castle-service"]


def test_a_migration_that_fails_leaves_the_old_store_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = format_1_store(tmp_path, 3)
    before = (tmp_path / "store.json").read_bytes()

    def full_disk(fd: int, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(fsutil, "write_all", full_disk)
        with Store.open(tmp_path, compact_on_close=False) as store:
            engine = store._engine
            wait_until(lambda: engine._compact_not_before > 0, "the migration to fail")
            assert engine.migrating, "to be tried again"
            assert store.interactions.ids() == ids  # it works on, in format 1
    assert (tmp_path / "store.json").read_bytes() == before
    assert list((tmp_path / "tables").glob("*")) == [], "no half-written table is left"
    with Store.open(tmp_path) as store:
        assert store.interactions.ids() == ids
        wait_until(lambda: not store._engine.migrating, "the background migration")
    assert manifest(tmp_path)["format"] == 2


def test_a_manifest_naming_an_odd_file_is_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.interactions.add(interaction(1))
    data = json.loads((tmp_path / "store.json").read_bytes())
    data["_entente_store"]["tables"]["interactions"]["file"] = "../../etc/passwd"
    (tmp_path / "store.json").write_text(json.dumps(data))
    with pytest.raises(StoreError, match="odd file"):
        Store.open(tmp_path, readonly=True)
