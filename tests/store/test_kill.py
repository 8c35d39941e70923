"""``kill -9`` at random moments: the store always opens and keeps what was acknowledged."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from entente_daemon.store import Store

from .conftest import Worker

# Kills per run: 10 in the default run (each round starts a writer and kills it), more for a
# soak: ENTENTE_KILL_ROUNDS=200 python -m pytest tests/store/test_kill.py
ITERATIONS = int(os.environ.get("ENTENTE_KILL_ROUNDS", "10"))
DURABLE_AFTER = 1.0  # seconds: what was acknowledged this long before the kill must be there


def acknowledged(lines: list[str]) -> list[tuple[float, str]]:
    out = []
    for line in lines:
        kind, when, record_id = line.split(" ")
        assert kind == "ack", line
        out.append((float(when), record_id))
    return out


@pytest.mark.slow
def test_sigkill_loses_nothing_acknowledged(tmp_path: Path, worker: Callable[..., Worker]) -> None:
    directory = tmp_path / "store"
    rng = random.Random()
    checked = checked_rows = 0
    for round_number in range(ITERATIONS):
        # A tiny compaction threshold: snapshots are written all the time, so kills land
        # during compactions as well as between them.
        writer = worker("write", str(directory), "50", "32768")
        writer.wait_for(lambda lines: len(lines) > 0)
        # Every other round lives past the durability window, so that each run checks
        # acknowledged records, not only kills at any moment.
        lifetime = rng.uniform(0.2, 1.5) if round_number % 2 else rng.uniform(1.3, 2.0)
        with pytest.raises(subprocess.TimeoutExpired):  # the writer must still be running
            writer.proc.wait(timeout=lifetime)
        killed_at = time.monotonic()
        writer.proc.send_signal(signal.SIGKILL)
        writer.finish()
        acks = acknowledged(writer.lines)

        # The interactions' rows (their own table, in the same journal writes and
        # snapshots) stand for exactly the interactions stored, in order.
        with Store.open(directory, readonly=True) as reader:
            complete = reader.interactions._rows_complete()  # unless killed before it was
            rows = [row_id for row_id, _ in reader.interactions.rows()]
            assert rows == reader.interactions.ids()
        checked_rows += complete
        # Reopen for writing (recovering from the kill), check, then start the next round
        # from an empty store so that loading it stays cheap.
        with Store.open(directory) as store:
            stored = store.interactions.ids()
            store.interactions.clear()
        must_have = [rid for when, rid in acks if when < killed_at - DURABLE_AFTER]
        missing = set(must_have) - set(stored)
        assert not missing, f"{len(missing)} of {len(must_have)} acknowledged ids lost"
        # What is there is a prefix of what the writer added (batches are not acknowledged
        # before their changes are in memory, so a few unacknowledged ones may follow).
        assert stored == [f"w{n:08d}" for n in range(len(stored))]
        checked += len(must_have)
    with Store.open(directory, readonly=True) as store:
        assert store.interactions.count() == 0
    assert checked > 0
    assert checked_rows > 0, "no round had complete rows to compare"
