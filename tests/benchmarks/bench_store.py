"""Recording throughput: Entente's store against TinyDB's default JSON storage.

    python -m tests.benchmarks.bench_store [--n 20000] [--baseline-n 2000] [--durable-n 2000]

Prints records per second for: our store (changes durable within the flush interval and
all of them at the end, after one ``flush()``); TinyDB's ``JSONStorage`` inserting one
document at a time, which rewrites the whole file each time (quadratic, so it gets fewer
records and a time budget); and our store with ``flush()`` after every record.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import tinydb

from entente_daemon.model import HttpRequest, HttpResponse, Interaction
from entente_daemon.store import Store


def interactions(count: int) -> list[Interaction]:
    return [
        Interaction(
            consumer="castle-client",
            consumer_version="1.0.0",
            provider="castle-service",
            provider_version="2.0.0",
            operation_id="getCastle",
            request=HttpRequest(
                method="GET", path=f"/castles/{n}", headers={"accept": "application/json"}
            ),
            response=HttpResponse(
                status=200,
                headers={"content-type": "application/json"},
                body={"id": n, "name": f"castle {n}", "towers": [1, 2, 3]},
            ),
        ).with_hash()
        for n in range(count)
    ]


def ours(directory: Path, records: list[Interaction], *, durable_each: bool) -> float:
    with Store.open(directory) as store:
        add: Callable[[Interaction], str] = store.interactions.add
        start = time.perf_counter()
        for record in records:
            add(record)
            if durable_each:
                store.flush()
        store.flush()
        elapsed = time.perf_counter() - start
        assert store.interactions.count() == len(records)
    return elapsed


def baseline(path: Path, records: list[Interaction], budget: float) -> tuple[int, float]:
    """TinyDB's default storage, one insert at a time; stops early past ``budget`` s."""
    with tinydb.TinyDB(path) as db:
        table = db.table("interactions")
        start = time.perf_counter()
        done = 0
        for record in records:
            table.insert(record.to_json())
            done += 1
            if time.perf_counter() - start > budget:
                break
        return done, time.perf_counter() - start


def command() -> str:
    spec = globals().get("__spec__")
    if spec is not None and spec.name:
        return shlex.join(["python", "-m", spec.name, *sys.argv[1:]])
    return shlex.join(["python", *sys.argv])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20_000, help="records for our store")
    parser.add_argument("--baseline-n", type=int, default=2_000, help="records for TinyDB")
    parser.add_argument("--baseline-seconds", type=float, default=20.0, help="TinyDB budget")
    parser.add_argument("--durable-n", type=int, default=2_000, help="records, flush each")
    args = parser.parse_args(argv)

    records = interactions(max(args.n, args.baseline_n, args.durable_n))
    with tempfile.TemporaryDirectory(prefix="entente-bench-") as tmp:
        root = Path(tmp)
        fast = ours(root / "ours", records[: args.n], durable_each=False)
        done, slow = baseline(
            root / "tinydb.json", records[: args.baseline_n], args.baseline_seconds
        )
        durable = ours(root / "durable", records[: args.durable_n], durable_each=True)

    ours_rate = args.n / fast
    base_rate = done / slow
    durable_rate = args.durable_n / durable
    print(f"command: {command()}")
    print(
        f"python {platform.python_version()}, tinydb {tinydb.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    )
    print(f"entente store          : {args.n:>6} records in {fast:7.2f} s = {ours_rate:9.0f} rec/s")
    print(f"tinydb JSONStorage     : {done:>6} records in {slow:7.2f} s = {base_rate:9.0f} rec/s")
    print(
        f"entente, flush each    : {args.durable_n:>6} records in {durable:7.2f} s"
        f" = {durable_rate:9.0f} rec/s"
    )
    print(
        f"ratio store/tinydb     : {ours_rate / base_rate:.0f}x (tinydb's rate falls as it grows)"
    )


if __name__ == "__main__":
    main()
