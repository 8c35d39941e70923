"""After a full disk, the journal does not eat the freed space before a snapshot of
everything succeeds (issue 13, item 2): the changes kept in memory go into that snapshot,
not onto the journal, and until it is written the store says it cannot write."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import entente_daemon.store.fsutil as fsutil
import entente_daemon.store.journal as journal
from entente_daemon.errors import StoreError
from entente_daemon.store import Store

from .conftest import interaction

QUIET = 3600.0  # a flush interval that never comes: only explicit flushes write
WRITE_ALL = fsutil.write_all  # the real one (the journal uses it too)


def disk_full(fd: int, data: bytes) -> None:
    os.write(fd, data[: len(data) // 2])
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def journal_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.glob("journal.*.log"))


def fill_up(store: Store, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """20 durable interactions, then 10 more the full disk refuses; their ids."""
    durable = [store.interactions.add(interaction(n)) for n in range(20)]
    store.flush()
    monkeypatch.setattr(journal, "write_all", disk_full)
    monkeypatch.setattr(fsutil, "write_all", disk_full)
    late = [store.interactions.add(interaction(n)) for n in range(20, 30)]
    with pytest.raises(StoreError, match="No space left on device"):
        store.flush()
    assert not store.writable
    assert store.pending_bytes > 0
    return durable, late


def test_freed_space_goes_to_a_snapshot_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(tmp_path, flush_interval=QUIET, compact_on_close=False)
    durable, late = fill_up(store, monkeypatch)
    before = journal_bytes(tmp_path)
    monkeypatch.undo()  # space is freed

    store.flush()
    assert store.writable
    assert store.last_error is None
    assert store.pending_bytes == 0
    assert journal_bytes(tmp_path) <= before  # nothing appended: the old journal is gone
    with Store.open(tmp_path, readonly=True) as reader:
        assert reader.interactions.ids() == durable + late  # from the snapshot

    again = store.interactions.add(interaction(30))  # then the journal takes changes again
    store.flush()
    store.close()
    with Store.open(tmp_path, readonly=True) as reader:
        assert reader.interactions.ids() == [*durable, *late, again]


def test_the_journal_stays_shut_while_no_snapshot_fits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(tmp_path, flush_interval=QUIET, compact_on_close=False)
    durable, late = fill_up(store, monkeypatch)
    before = journal_bytes(tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(journal, "write_all", WRITE_ALL)  # room for journal lines...
        with pytest.raises(StoreError, match="snapshot|No space left"):
            store.flush()  # ...but not for a snapshot: nothing is appended
        assert journal_bytes(tmp_path) == before
        assert not store.writable
    monkeypatch.undo()
    store.flush()
    assert store.writable
    store.close()
    with Store.open(tmp_path, readonly=True) as reader:
        assert reader.interactions.ids() == durable + late
