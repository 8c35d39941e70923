"""A separate process using a store, for the multi-process and kill tests.

    python store_worker.py write DIR BATCH COMPACT_MIN_BYTES
        Clear the interactions, then add interactions ``w00000000``, ``w00000001``, ... in
        batches as fast as possible; after each batch returns, print ``ack <monotonic> <id>``
        for each of its ids. Runs until killed.
    python store_worker.py hold DIR COUNT
        Open the store for writing, add COUNT interactions, flush, print ``holding <pid>``,
        then keep the store open until stdin closes.

Every line is flushed at once; the parent reads them as they come.
"""

from __future__ import annotations

import os
import sys
import time

from entente_daemon.model import HttpRequest, HttpResponse, Interaction
from entente_daemon.store import Store


def interaction(n: int, prefix: str) -> Interaction:
    return Interaction(
        id=f"{prefix}{n:08d}",
        consumer="castle-client",
        consumer_version="1.0.0",
        provider="castle-service",
        provider_version="2.0.0",
        operation_id=f"getCastle{n}",  # each in its own bucket: the store keeps them all
        request=HttpRequest(method="GET", path=f"/castles/{prefix}{n}"),
        response=HttpResponse(status=200, body={"id": n, "name": f"castle {n}"}),
    )


def write(directory: str, batch: int, compact_min_bytes: int) -> None:
    store = Store.open(directory, compact_min_bytes=compact_min_bytes, lock_timeout=30)
    store.interactions.clear()
    store.interactions.rows()  # the rows are complete from here on: kept beside each change
    n = 0
    while True:
        ids = store.interactions.add_many(interaction(n + i, "w") for i in range(batch))
        now = time.monotonic()
        sys.stdout.write("".join(f"ack {now!r} {id_}\n" for id_ in ids))
        sys.stdout.flush()
        n += batch


def hold(directory: str, count: int) -> None:
    with Store.open(directory) as store:
        store.interactions.add_many(interaction(n, "h") for n in range(count))
        store.flush()
        print(f"holding {os.getpid()}", flush=True)
        sys.stdin.read()


def main(argv: list[str]) -> None:
    mode, directory, *rest = argv
    if mode == "write":
        write(directory, int(rest[0]), int(rest[1]))
    elif mode == "hold":
        hold(directory, int(rest[0]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
