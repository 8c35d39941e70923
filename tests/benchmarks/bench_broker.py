"""The broker under load: uploads from many clients at once, and can-i-deploy over many
stored interactions.

    python -m tests.benchmarks.bench_broker [--clients 50] [--seconds 20] [--batch 20]
        [--stored 200000] [--skip-postgres]

1. **Uploads**: ``--clients`` concurrent clients (asyncio, one HTTP/1.1 connection each, on
   127.0.0.1) each POST batches of ``--batch`` new interactions to ``/api/v1/interactions``
   for ``--seconds``, against (a) one broker process on SQLite (the baseline) and (b)
   ``entente broker serve --workers 4`` on PostgreSQL (a private cluster, as the tests
   make). Throughput (interactions stored per second), p50/p99 latency per batch and the
   errors (must be 0); the stored count is checked against what was acknowledged.
2. **can-i-deploy**: ``--stored`` contract interactions written straight into a SQLite
   broker's database (10 providers, 100 consumers × 10 versions), verifications for half the
   pairs, two deployments; then ``POST /api/v1/can-i-deploy`` the first time (the process
   gathers its facts) and again (the facts are kept until the feed moves).

The load generator shares the machine's CPUs with the broker and the database: read the
ratio of (b) to (a) rather than the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from entente_daemon.broker.schema import interactions, stamp
from entente_daemon.model import (
    HttpRequest,
    HttpResponse,
    Interaction,
    Verification,
    VerificationResult,
    utc_now,
)
from tests.broker.postgres import make_cluster, postgres_bin
from tests.broker.process import BrokerProcess


@dataclass
class LoadResult:
    label: str
    batches: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    stored: int = 0
    first_error: str | None = None

    def line(self, batch: int) -> str:
        ordered = sorted(self.latencies) or [0.0]
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        rate = self.batches * batch / self.seconds if self.seconds else 0.0
        return (
            f"{self.label:<34} {rate:>10.0f} {self.batches / self.seconds:>10.1f} "
            f"{p50:>8.1f} {p99:>8.1f} {self.errors:>7} {self.stored:>9}"
        )


def template_of(provider: str) -> str:
    """One interaction as JSON with ``@PATH@`` and ``@HASH@`` to fill in: the clients build
    their batches by substitution, so that the load generator spends little CPU."""
    made = Interaction(
        consumer="@CONSUMER@",
        consumer_version="1.0.0",
        provider=provider,
        provider_version="1.0.0",
        operation_id="listCastles",
        request=HttpRequest(method="GET", path="@PATH@"),
        response=HttpResponse(status=200, body={"name": "Bodiam", "yearBuilt": 1385}),
        test_id="tests/test_castles.py::test_list",
        run_id="run-1",
        content_hash="@HASH@",
        id="@ID@",
    )
    return made.model_dump_json()


def body_of(template: str, client: int, number: int, batch: int) -> bytes:
    items = [
        template.replace("@CONSUMER@", f"consumer-{client}")
        .replace("@PATH@", f"/castles/{number}/{n}")
        .replace("@HASH@", uuid.uuid4().hex * 2)
        .replace("@ID@", uuid.uuid4().hex)
        for n in range(batch)
    ]
    return ('{"interactions": [' + ",".join(items) + "]}").encode()


async def load(
    url: str, key: str, clients: int, seconds: float, batch: int, label: str
) -> LoadResult:
    result = LoadResult(label)
    template = template_of("bench-" + uuid.uuid4().hex[:8])
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    deadline = time.monotonic() + seconds

    async def one(client: int) -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            number = 0
            while time.monotonic() < deadline:
                body = body_of(template, client, number, batch)
                started = time.perf_counter()
                try:
                    answer = await http.post("/api/v1/interactions", content=body)
                    ok = answer.status_code == 200
                    if not ok and result.first_error is None:
                        result.first_error = f"HTTP {answer.status_code}: {answer.text[:200]}"
                except httpx.HTTPError as error:
                    ok = False
                    if result.first_error is None:
                        result.first_error = repr(error)
                result.latencies.append(time.perf_counter() - started)
                if ok:
                    result.batches += 1
                else:
                    result.errors += 1
                number += 1

    started = time.monotonic()
    await asyncio.gather(*(one(n) for n in range(clients)))
    result.seconds = time.monotonic() - started
    return result


def count_stored(broker: BrokerProcess) -> int:
    with broker.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(interactions)).scalar() or 0)


def run_load(broker: BrokerProcess, args: argparse.Namespace, label: str) -> LoadResult:
    broker.make_keys()
    broker.start()
    try:
        result = asyncio.run(
            load(broker.url, broker.keys["write"], args.clients, args.seconds, args.batch, label)
        )
        result.stored = count_stored(broker)
    finally:
        broker.stop()
    return result


# -- can-i-deploy over many interactions --------------------------------------------------


def fill(broker: BrokerProcess, stored: int) -> None:
    """``stored`` contract interactions, straight into the database (10 providers, 100
    consumers with 10 versions each), verifications for half the pairs."""
    from entente_daemon.broker import deploy_db, verifications_db
    from entente_daemon.broker.database import migrate, writing
    from entente_daemon.model import Deployment

    migrate(broker.engine)
    now = stamp(utc_now())
    template = Interaction(
        consumer="c",
        consumer_version="v",
        provider="p",
        provider_version="1.0.0",
        request=HttpRequest(method="GET", path="/castles"),
        response=HttpResponse(status=200, body={"name": "Bodiam"}),
        test_id="t",
        run_id="run-1",
    )
    doc = template.model_dump_json()
    per_pair = max(stored // 10_000, 1)
    rows = []
    written = 0
    pairs: list[tuple[str, str, str, list[str]]] = []
    for consumer in range(100):
        for version in range(10):
            for provider in range(10):
                hashes = []
                for n in range(per_pair):
                    content = uuid.uuid4().hex + uuid.uuid4().hex
                    hashes.append(content)
                    rows.append(
                        {
                            "id": uuid.uuid4().hex,
                            "dedup_key": content,
                            "content_hash": content,
                            "consumer": f"consumer-{consumer}",
                            "consumer_version": f"{version}.0.0",
                            "provider": f"provider-{provider}",
                            "provider_version": "1.0.0",
                            "environment": "local",
                            "operation_id": "listCastles",
                            "test_id": f"t{n}",
                            "run_id": "run-1",
                            "promoted": False,
                            "contract": True,
                            "timestamp": now,
                            "last_seen": None,
                            "received_at": now,
                            "doc": doc,
                        }
                    )
                pairs.append(
                    (f"consumer-{consumer}", f"{version}.0.0", f"provider-{provider}", hashes)
                )
                if len(rows) >= 20_000:
                    with writing(broker.engine) as connection:
                        connection.execute(interactions.insert(), rows)
                    written += len(rows)
                    rows = []
    if rows:
        with writing(broker.engine) as connection:
            connection.execute(interactions.insert(), rows)
        written += len(rows)
    verifications_db.publish(
        broker.engine,
        [
            Verification(
                provider=provider,
                provider_version="1.0.0",
                consumer=consumer,
                consumer_version=version,
                finished_at=utc_now(),
                results=[
                    VerificationResult(interaction_id="i", interaction_hash=h, ok=True)
                    for h in hashes
                ],
            )
            for consumer, version, provider, hashes in pairs[::2]
        ],
    )
    for provider in range(10):
        deploy_db.record_deployment(
            broker.engine,
            Deployment(service=f"provider-{provider}", version="1.0.0", environment="production"),
        )
    print(f"stored {written} interactions, {len(pairs[::2])} verifications", flush=True)


def ask(url: str, key: str) -> tuple[float, str]:
    question = {"service": "consumer-0", "version": "0.0.0", "environment": "production"}
    started = time.perf_counter()
    answer = httpx.post(
        f"{url}/api/v1/can-i-deploy",
        json=question,
        headers={"authorization": f"Bearer {key}"},
        timeout=600,
    )
    answer.raise_for_status()
    return time.perf_counter() - started, answer.json()["summary"]["answer"]


def can_i_deploy_latency(stored: int, folder: Path) -> list[str]:
    broker = BrokerProcess(f"sqlite:///{folder / 'cid.db'}", folder / "cid-home")
    started = time.perf_counter()
    fill(broker, stored)
    filled = time.perf_counter() - started
    broker.make_keys()
    broker.start()
    try:
        key = broker.keys["read"]
        cold, answer = ask(broker.url, key)
        warm = statistics.median(ask(broker.url, key)[0] for _ in range(5))
        stored_now = count_stored(broker)
    finally:
        broker.stop()
    return [
        f"can-i-deploy over {stored_now} stored interactions (SQLite, filled in {filled:.0f} s):",
        f"  first ask (gathers the facts): {cold * 1000:.0f} ms, answer {answer}",
        f"  next asks (facts kept, median of 5): {warm * 1000:.1f} ms",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--stored", type=int, default=200_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-uploads", action="store_true")
    args = parser.parse_args()
    print("command: python -m tests.benchmarks.bench_broker " + shlex.join(sys.argv[1:]))
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    folder = Path(tempfile.mkdtemp(prefix="entente-bench-broker-"))
    results: list[LoadResult] = []
    if not args.skip_uploads:
        results.append(
            run_load(
                BrokerProcess(f"sqlite:///{folder / 'load.db'}", folder / "h1"),
                args,
                "1 process, SQLite (baseline)",
            )
        )
        if not args.skip_postgres and postgres_bin() is not None:
            cluster = make_cluster()
            try:
                broker = BrokerProcess(
                    cluster.new_database(), folder / "h2", extra=["--workers", "4"]
                )
                results.append(run_load(broker, args, "4 processes, PostgreSQL"))
            finally:
                cluster.stop()
        print(
            f"\n{args.clients} clients, batches of {args.batch}, {args.seconds:g} s each\n"
            f"{'':<34} {'interact/s':>10} {'batches/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>7} {'stored':>9}"
        )
        for result in results:
            print(result.line(args.batch))
            if result.first_error:
                print(f"  first error: {result.first_error}")
            acknowledged = result.batches * args.batch
            if result.stored < acknowledged:
                print(f"  LOST: {acknowledged - result.stored} acknowledged, not stored")
        if len(results) == 2:
            base = results[0].batches / results[0].seconds
            ratio = (results[1].batches / results[1].seconds) / base if base else 0
            print(f"ratio (4 processes on PostgreSQL / baseline): {ratio:.2f}")
    if args.stored:
        print()
        for line in can_i_deploy_latency(args.stored, folder):
            print(line)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
