"""``kill -9`` while a client records as fast as it can: nothing acknowledged is lost."""

from __future__ import annotations

import threading
import time

from entente_daemon.client import DaemonError
from entente_daemon.store import Store

from .conftest import Daemon, interaction, wait_for

DURABLE_AFTER = 1.0  # seconds: what was acknowledged this long before the kill must be kept
BATCH = 50


def test_sigkill_during_heavy_recording_keeps_what_was_acknowledged(daemon: Daemon) -> None:
    daemon.start()
    acks: list[tuple[float, list[str]]] = []  # (monotonic time of the answer, ids)
    finished = threading.Event()

    def record() -> None:
        with daemon.client() as client:
            n = 0
            while not finished.is_set():
                # each from a test of its own: the store's bound per bucket samples none out
                batch = [interaction(n + i, test_id=f"t::{n + i}") for i in range(BATCH)]
                try:
                    receipt = client.upload_interactions(batch)
                except DaemonError:
                    return  # the daemon is gone
                acks.append((time.monotonic(), receipt.ids))
                n += BATCH

    recorder = threading.Thread(target=record)
    recorder.start()
    try:
        wait_for(
            lambda: bool(acks) and time.monotonic() - acks[0][0] > 2 * DURABLE_AFTER,
            what="two seconds of recording",
        )
        killed_at = time.monotonic()
        daemon.kill()
    finally:
        finished.set()
        recorder.join(timeout=60)
    must_have = [i for when, ids in acks if when < killed_at - DURABLE_AFTER for i in ids]
    assert must_have, "nothing was acknowledged early enough to check"

    daemon.start()  # recovers from the kill
    with daemon.client() as client:
        assert client.status().store.records["interactions"] >= len(must_have)
    with Store.open(daemon.paths.store, readonly=True) as store:
        stored = set(store.interactions.ids())
    missing = set(must_have) - stored
    assert not missing, f"{len(missing)} of {len(must_have)} acknowledged interactions lost"
