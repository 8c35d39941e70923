"""Each interaction's row (`store.rows`): kept in step with the interactions through every
change, across the journal and compactions; read at open without reading any interaction;
a page's interactions then read alone by id; made once for a store written before rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from entente_daemon.store import Store
from entente_daemon.store.rows import ROWS_TABLE, row_of_doc

from .conftest import interaction

QUIET = 3600.0  # no background flush: the test decides when changes become durable


def expected_rows(store: Store) -> list[tuple[str, dict[str, Any]]]:
    """The rows the stored interactions call for (reads every interaction)."""
    docs = store._engine.db.table("interactions").docs()
    return [(doc_id, row_of_doc(doc)) for doc_id, doc in docs.items()]


def change_everything(store: Store) -> list[str]:
    """Adds, a merge that changes the run, a promotion and a delete; the ids kept."""
    ids = [store.interactions.add(interaction(n)) for n in range(6)]
    again = interaction(2, run_id="run-2")
    assert store.interactions.add(again) == ids[2], "merged into the stored one"
    store.interactions.promote([ids[3]])
    store.interactions.delete(ids[0])
    return ids[1:]


def test_rows_follow_every_change_through_the_journal_and_compaction(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.interactions.rows()  # complete from the start (an empty store)
        ids = change_everything(store)
        assert store.interactions.rows() == expected_rows(store)
        assert [row_id for row_id, _ in store.interactions.rows()] == ids
    writer = Store.open(tmp_path, flush_interval=QUIET)
    try:
        writer.interactions.delete(ids.pop())
        ids.append(writer.interactions.add(interaction(9)))
        writer.flush()  # in the journal only
        with Store.open(tmp_path, readonly=True) as reader:
            rows = reader.interactions.rows()
            assert not reader._engine.loaded("interactions"), "rows read, no interaction"
            assert [row_id for row_id, _ in rows] == ids
            assert rows == expected_rows(reader)
    finally:
        writer.close()  # compacts
    with Store.open(tmp_path, readonly=True) as reader:
        rows = reader.interactions.rows()
        by_id = dict(rows)
        assert by_id[ids[2]]["k"] is True, "the promotion"
        assert by_id[ids[1]]["r"] == "run-2", "the merge's run"
        assert rows == expected_rows(reader)


def test_a_page_is_read_by_id_without_reading_the_interactions(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        ids = [store.interactions.add(interaction(n)) for n in range(50)]
    writer = Store.open(tmp_path, flush_interval=QUIET)
    try:
        writer.interactions.delete(ids[10])
        late = writer.interactions.add(interaction(77))
        writer.interactions.promote([ids[20]])
        writer.flush()
        with Store.open(tmp_path, readonly=True) as reader:
            page = [reader.interactions.get(i) for i in (ids[5], ids[10], ids[20], late)]
            assert not reader._engine.loaded("interactions"), "each read alone"
            assert page[0] is not None
            assert page[0].request.path == "/castles/5"
            assert page[1] is None, "deleted in the journal"
            assert page[2] is not None
            assert page[2].promoted, "changed in the journal"
            assert page[3] is not None
            assert page[3].request.path == "/castles/77", "only in the journal"
            assert reader.interactions.get("no-such-id") is None
            newest = reader.interactions.list(limit=3, offset=47)  # the rows, then the page
            assert [i.request.path for i in newest] == [
                "/castles/48",
                "/castles/49",
                "/castles/77",
            ]
            assert not reader._engine.loaded("interactions")
            full = {i: reader.interactions.get(i) for i in ids}  # the same as read whole
            reader.interactions.load()
            assert full == {i: reader.interactions.get(i) for i in ids}
    finally:
        writer.close()


def test_a_store_without_rows_has_them_made_once(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        ids = [store.interactions.add(interaction(n)) for n in range(8)]
    # As a store written before rows existed: the manifest lists no rows file.
    snapshot = tmp_path / "store.json"
    data = json.loads(snapshot.read_bytes())
    del data["_entente_store"]["tables"][ROWS_TABLE]
    snapshot.write_text(json.dumps(data))
    with Store.open(tmp_path, readonly=True) as reader:  # made in memory only
        assert not reader._engine.derived_complete(ROWS_TABLE)
        assert [row_id for row_id, _ in reader.interactions.rows()] == ids
    with Store.open(tmp_path) as store:  # made, and written as the writer closes
        assert not store._engine.derived_complete(ROWS_TABLE)
        rows = store.interactions.rows()
        assert [row_id for row_id, _ in rows] == ids
    with Store.open(tmp_path, readonly=True) as reader:
        assert reader.interactions.rows() == rows
        assert not reader._engine.loaded("interactions"), "complete now: no interaction read"
    tables = json.loads(snapshot.read_bytes())["_entente_store"]["tables"]
    assert tables[ROWS_TABLE]["count"] == 8
    assert "index" in tables["interactions"], "the interactions' file has its index"


def test_a_damaged_journal_line_takes_its_row_with_it(tmp_path: Path) -> None:
    """Rows are derived from the same journal line as their interaction: whatever a crash
    or a bad disk leaves, both agree."""
    with Store.open(tmp_path, compact_on_close=False) as store:
        store.interactions.rows()
        ids = [store.interactions.add(interaction(n)) for n in range(5)]
    (log,) = sorted(tmp_path.glob("journal.*.log"))
    lines = log.read_bytes().split(b"\n")
    damaged = next(n for n, line in enumerate(lines) if ids[2].encode() in line)
    lines[damaged] = lines[damaged].replace(b"castles", b"dragons")  # its checksum fails
    log.write_bytes(b"\n".join(lines))
    with Store.open(tmp_path, readonly=True) as reader:
        assert reader._engine.derived_complete(ROWS_TABLE)
        assert [row_id for row_id, _ in reader.interactions.rows()] == [*ids[:2], *ids[3:]]
        assert reader.interactions.ids() == [*ids[:2], *ids[3:]]
