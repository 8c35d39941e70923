"""Crash safety in one process: torn journals, replays, failed writes, raw TinyDB use."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query
from tinydb.operations import increment
from tinydb.table import Document

import entente_daemon.store.fsutil as fsutil
import entente_daemon.store.journal as journal
import entente_daemon.store.snapshot as snapshot
from entente_daemon.errors import StoreError
from entente_daemon.store import Store

from .conftest import interaction

QUIET = 3600.0  # a flush interval that never comes: only explicit flushes write


def journals(directory: Path) -> list[Path]:
    return sorted(directory.glob("journal.*.log"))


def docs(store: Store, table: str) -> dict[str, Any]:
    return dict(store._engine.db.table(table).docs())


def test_torn_journal_tail_is_ignored(tmp_path: Path) -> None:
    with Store.open(tmp_path, compact_on_close=False) as store:
        ids = [store.interactions.add(interaction(n)) for n in range(10)]
    (log,) = journals(tmp_path)
    raw = log.read_bytes()
    log.write_bytes(raw[: len(raw) - 25])  # cut the last line in the middle

    with Store.open(tmp_path) as store:
        assert store.interactions.ids() == ids[:9]
        added = store.interactions.add(interaction(10))
        assert store.interactions.ids() == [*ids[:9], added]
    with Store.open(tmp_path) as store:
        assert store.interactions.ids() == [*ids[:9], added]


def test_damaged_line_is_skipped_and_later_lines_kept(tmp_path: Path) -> None:
    with Store.open(tmp_path, compact_on_close=False) as store:
        ids = [store.interactions.add(interaction(n)) for n in range(5)]
    (log,) = journals(tmp_path)
    lines = log.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"castles", b"dragons")  # checksum no longer holds
    log.write_bytes(b"\n".join(lines))
    with Store.open(tmp_path, readonly=True) as store:
        assert store.interactions.ids() == [ids[0], ids[1], ids[3], ids[4]]


def test_replay_skips_what_the_snapshot_holds(tmp_path: Path) -> None:
    # As if killed between writing a snapshot and deleting the journals it contains.
    with Store.open(tmp_path, compact_on_close=False) as store:
        ids = [store.interactions.add(interaction(n)) for n in range(5)]
        store.interactions.add(interaction(0))  # count 2
        store.flush()
        (old,) = journals(tmp_path)
        saved = old.read_bytes()
        store.compact()
        assert journals(tmp_path) == []
        store.interactions.add(interaction(5))
    newest = journals(tmp_path)[-1]
    generation = int(newest.name.split(".")[1])
    # The old journal again, under generations the snapshot does and does not cover.
    (tmp_path / f"journal.{generation - 1}.log").write_bytes(saved)
    newest.write_bytes(saved + newest.read_bytes())
    with Store.open(tmp_path, readonly=True) as store:
        assert store.interactions.count() == 6
        assert store.interactions.get(ids[0]).count == 2  # type: ignore[union-attr]


def test_leftovers_of_a_crashed_compaction_are_harmless(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        ids = [store.interactions.add(interaction(n)) for n in range(3)]
    (tmp_path / "store.json.tmp.99999").write_bytes(b'{"half a snaps')
    with Store.open(tmp_path) as store:
        assert store.interactions.ids() == ids
        assert not (tmp_path / "store.json.tmp.99999").exists()


def test_tinydb_table_api_is_journaled(tmp_path: Path) -> None:
    with Store.open(tmp_path, compact_on_close=False) as store:
        db = store._engine.db
        with store._engine.lock:
            table = db.table("scratch")
            # (TinyDB annotates document ids as int; the store's tables have str ids.)
            assert table.insert(Document({"n": 1, "tags": ["a"]}, doc_id="one")) == "one"  # type: ignore[arg-type,comparison-overlap]
            generated: str = table.insert({"n": 2, "tags": []})  # type: ignore[assignment]
            table.insert_multiple([{"n": 3, "tags": []}, Document({"n": 4, "tags": []}, "four")])  # type: ignore[arg-type]
            assert table.update({"big": True}, Query().n >= 3) != []
            table.update(lambda doc: doc["tags"].append("b"), doc_ids=["one"])
            table.update(increment("n"), doc_ids=[generated])
            table.upsert(Document({"n": 40}, doc_id="four"))  # type: ignore[arg-type]
            table.upsert({"n": 50, "tags": []}, Query().n == 50)
            assert len(table.remove((Query().n == 3) & Query().big.exists())) == 1
            with pytest.raises(ValueError, match="already exists"):  # all or nothing
                table.insert_multiple([{"n": 6}, Document({"n": 7}, doc_id="one")])  # type: ignore[arg-type]
            db.table("doomed").insert({"x": 1})
            db.drop_table("doomed")
            emptied = db.table("emptied")
            emptied.insert({"x": 1})
            emptied.truncate()
            emptied.insert({"x": 2})
            expected = docs(store, "scratch")
    assert expected["one"] == {"n": 1, "tags": ["a", "b"]}
    assert expected[generated] == {"n": 3, "tags": []}
    assert expected["four"] == {"n": 40, "tags": [], "big": True}
    assert len(expected) == 4

    for readonly in (True, False):
        with Store.open(tmp_path, readonly=readonly) as store:
            assert docs(store, "scratch") == expected
            assert "doomed" not in store._engine.tables
            assert list(docs(store, "emptied").values()) == [{"x": 2}]
    with Store.open(tmp_path) as store:
        store._engine.db.drop_tables()
    with Store.open(tmp_path) as store:
        assert store._engine.tables == {}


def test_unencodable_document_changes_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        table = store._engine.db.table("scratch")
        table.insert(Document({"n": 1}, doc_id="a"))  # type: ignore[arg-type]  # str ids
        with pytest.raises(StoreError, match="not plain JSON"):
            table.insert_multiple([Document({"n": 2}, "b"), Document({"n": object()}, "c")])  # type: ignore[arg-type]
        assert docs(store, "scratch") == {"a": {"n": 1}}


def failing_write(partial: bool) -> Any:
    def write_all(fd: int, data: bytes) -> None:
        if partial:
            os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write_all


@pytest.mark.parametrize("truncate_fails", [False, True])
def test_full_disk_keeps_changes_pending_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, truncate_fails: bool
) -> None:
    store = Store.open(tmp_path, flush_interval=QUIET, compact_on_close=False)
    durable = [store.interactions.add(interaction(n)) for n in range(20)]
    store.flush()

    with monkeypatch.context() as patch:
        patch.setattr(journal, "write_all", failing_write(partial=True))
        # The disk is full for the snapshot too (the store recovers through one).
        patch.setattr(fsutil, "write_all", failing_write(partial=True))
        if truncate_fails:

            def no_truncate(fd: int, size: int) -> None:
                raise OSError(errno.EIO, "cannot truncate")

            patch.setattr(journal, "truncate", no_truncate)
        late = [store.interactions.add(interaction(n)) for n in range(20, 30)]
        with pytest.raises(StoreError, match="No space left on device") as failure:
            store.flush()
        assert "10 change(s) are kept in memory" in str(failure.value)
        assert store.pending == 10
        assert store.last_error is not None
        with Store.open(tmp_path, readonly=True) as reader:
            seen = reader.interactions.ids()
        # The lines of the failed batch are cut off again; when even that fails, the whole
        # ones among them may be read (and are written again, then skipped as repeats).
        assert seen == durable if not truncate_fails else seen[:20] == durable
        assert seen == (durable + late)[: len(seen)]
        with pytest.raises(StoreError, match="No space left"):
            store.close()  # refuses to drop the pending changes
        assert not store.closed

    store.flush()  # the disk has room again
    assert store.pending == 0
    assert store.last_error is None
    with Store.open(tmp_path, readonly=True) as reader:
        assert reader.interactions.ids() == durable + late
    store.close()
    with Store.open(tmp_path) as store:
        assert store.interactions.ids() == durable + late


def test_failed_snapshot_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(tmp_path, flush_interval=QUIET) as store:
        first = [store.interactions.add(interaction(n)) for n in range(10)]
        store.compact()
        before = (tmp_path / "store.json").read_bytes()
        second = [store.interactions.add(interaction(n)) for n in range(10, 20)]
        with monkeypatch.context() as patch:
            patch.setattr(fsutil, "write_all", failing_write(partial=True))
            with pytest.raises(StoreError, match="snapshot.*No space left"):
                store.compact()
        assert (tmp_path / "store.json").read_bytes() == before
        assert [p.name for p in tmp_path.glob("*.tmp.*")] == []
        with Store.open(tmp_path, readonly=True) as reader:
            assert reader.interactions.ids() == first  # the rest is not flushed yet
        store.flush()
        with Store.open(tmp_path, readonly=True) as reader:
            assert reader.interactions.ids() == first + second
    with Store.open(tmp_path, readonly=True) as reader:
        assert reader.interactions.ids() == first + second


@pytest.mark.parametrize("stale_listing", [False, True])
def test_reader_retries_when_a_compaction_runs_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stale_listing: bool
) -> None:
    writer = Store.open(tmp_path, flush_interval=QUIET)
    ids = [writer.interactions.add(interaction(n)) for n in range(50)]
    if stale_listing:  # a snapshot exists, so the reader opens one and lists journals
        writer.compact()
        ids += [writer.interactions.add(interaction(n)) for n in range(50, 60)]
    writer.flush()
    original = journal.list_generations  # the function snapshot imported
    calls: list[int] = []

    def compact_meanwhile(directory: Path) -> list[int]:
        listing = original(directory)
        if not calls:
            writer.compact()  # replaces the snapshot, deletes the journals just listed
            if not stale_listing:
                listing = original(directory)
        calls.append(len(listing))
        return listing

    monkeypatch.setattr(snapshot, "list_generations", compact_meanwhile)
    with Store.open(tmp_path, readonly=True) as reader:
        assert reader.interactions.ids() == ids
    assert len(calls) >= 2  # it did read twice
    writer.close()
