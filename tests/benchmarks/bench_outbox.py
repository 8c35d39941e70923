"""What the outbox costs the store's recording path, and how fast a push empties it.

    python -m tests.benchmarks.bench_outbox [--n 20000] [--rounds 3]

Records contract interactions (made by a test: each is queued) into a store with the outbox
off (no broker configured: the baseline) and on, in the same run, and prints records per
second for both and their ratio (best of ``--rounds``). Then pushes the queue to a broker on
loopback (`tests.sync.stub_broker`, in memory: the figure is the sync's own cost, not a
database's) and prints entries sent per second.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
import tempfile
import time
from pathlib import Path

from entente_daemon.daemon.services.sync.engine import Interest, LocalAccess, SyncEngine
from entente_daemon.daemon.services.sync.http_link import HttpBrokerLink
from entente_daemon.model import HttpRequest, HttpResponse, Interaction
from entente_daemon.store import Store
from tests.sync.stub_broker import KEY, running_broker


def contracts(count: int) -> list[Interaction]:
    return [
        Interaction(
            consumer="castle-client",
            consumer_version="1.0.0",
            provider="castle-service",
            provider_version="2.0.0",
            operation_id="getCastle",
            test_id=f"tests/test_castle.py::test_{n}",
            run_id="bench",
            request=HttpRequest(method="GET", path=f"/castles/{n}"),
            response=HttpResponse(status=200, body={"id": n, "name": f"castle {n}"}),
        ).with_hash()
        for n in range(count)
    ]


def record(folder: Path, records: list[Interaction], *, outbox: bool) -> float:
    """Records per second into a fresh store (durable at the end)."""
    with Store.open(folder) as store:
        if outbox:
            store.outbox.enable("http://broker.example")
        began = time.perf_counter()
        for interaction in records:
            store.interactions.add(interaction)
        store.flush()
        seconds = time.perf_counter() - began
        if outbox:
            assert store.outbox.count() == store.interactions.count()  # each stored: queued
    return len(records) / seconds


async def push(folder: Path) -> tuple[int, float]:
    with running_broker() as (url, _state), Store.open(folder) as store:
        link = HttpBrokerLink(url, KEY)
        engine = SyncEngine(LocalAccess(store), link, interest=lambda: Interest())
        began = time.perf_counter()
        report = await engine.push()
        seconds = time.perf_counter() - began
        await link.aclose()
        assert store.outbox.count() == 0
    return report.sent, report.sent / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    records = contracts(args.n)
    off: list[float] = []
    on: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):  # alternated, so that load drifts hit both alike
            off.append(record(Path(tmp) / f"off{round_}", records, outbox=False))
            on.append(record(Path(tmp) / f"on{round_}", records, outbox=True))
        sent, rate = asyncio.run(push(Path(tmp) / f"on{args.rounds - 1}"))
    print(
        "command:",
        shlex.join([sys.executable, "-m", "tests.benchmarks.bench_outbox", *sys.argv[1:]]),
    )
    print(f"recording {args.n} contract interactions, best of {args.rounds}:")
    print(f"  outbox off (baseline): {max(off):10.0f} records/s")
    print(f"  outbox on:             {max(on):10.0f} records/s")
    print(f"  ratio on/off:          {max(on) / max(off):10.2f}")
    print(f"push to a loopback broker: {sent} entries at {rate:.0f} entries/s")


if __name__ == "__main__":
    main()
