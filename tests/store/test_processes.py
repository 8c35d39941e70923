"""Several processes, one store: one writer at a time; readers alongside."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from entente_daemon.errors import StoreError
from entente_daemon.store import Store

from .conftest import Worker


def test_second_writer_is_told_who_holds_the_store(
    tmp_path: Path, worker: Callable[..., Worker]
) -> None:
    holder = worker("hold", str(tmp_path), "5")
    holder.wait_for(lambda lines: any(line.startswith("holding") for line in lines))

    with pytest.raises(StoreError) as refused:
        Store.open(tmp_path, lock_timeout=0.3)
    message = str(refused.value)
    assert f"process {holder.proc.pid}" in message
    assert "open for writing" in message
    assert "read-only" in message  # says what to do instead

    with Store.open(tmp_path, readonly=True) as reader:
        assert reader.interactions.ids() == [f"h{n:08d}" for n in range(5)]

    # A writer that waits long enough gets the store once the holder closes it.
    opened: list[Store] = []
    waiter = threading.Thread(target=lambda: opened.append(Store.open(tmp_path, lock_timeout=60)))
    waiter.start()
    assert holder.proc.stdin is not None
    holder.proc.stdin.close()
    waiter.join(timeout=60)
    holder.finish()
    assert holder.proc.returncode == 0, holder.stderr()
    assert len(opened) == 1
    with opened[0] as store:
        assert store.interactions.count() == 5


def test_readers_see_a_consistent_prefix_while_a_writer_compacts(
    tmp_path: Path, worker: Callable[..., Worker]
) -> None:
    writer = worker("write", str(tmp_path), "20", "4096")
    writer.wait_for(lambda lines: len(lines) > 0)
    sizes: list[int] = []
    snapshots: set[int] = set()
    deadline = time.monotonic() + 60
    with Store.open(tmp_path, readonly=True) as reader:
        while len(snapshots) < 3 or len(sizes) < 20:
            assert time.monotonic() < deadline, f"{len(sizes)} reads, {len(snapshots)} snapshots"
            assert writer.proc.poll() is None, writer.stderr()
            reader.reload()
            ids = reader.interactions.ids()
            # The writer adds w0, w1, ... in order: a gap would be a torn view of the store.
            assert ids == [f"w{n:08d}" for n in range(len(ids))]
            sizes.append(len(ids))
            with contextlib.suppress(FileNotFoundError):
                snapshots.add((tmp_path / "store.json").stat().st_ino)
    assert sizes == sorted(sizes)  # never goes back
    assert sizes[-1] > sizes[0]
