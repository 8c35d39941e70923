"""Benchmark: the mock's ASGI app in-process (no sockets), recording on and off.

Run from the repository root:

    python -m tests.benchmarks.bench_mock_app [--requests 40000] [--runs 3]
    python -m tests.benchmarks.bench_mock_app --limits [--requests 40000] [--runs 3]

Drives `MockApp.__call__` directly with ASGI messages, the way uvicorn does, cycling
through 1,000 distinct ``GET /castles/{id}`` requests (as ``bench_mock`` does with wrk),
for the static (example) and the schema-generated (``Prefer: dynamic=true``) routes, with:

* recording into a store in a temporary ENTENTE_HOME (``LocalStoreSink``, as
  ``entente mock --record`` without a daemon);
* no recording.

It reports requests per second (median of ``--runs``), the CPU time the recorder's threads
took per request (process CPU minus the loop thread's), and the 99th percentile and maximum
of one request's time (the p99 lever: a flusher thread holding the GIL delays answers).
``--limits`` measures instead what the app's own limits (`ServerLimits`: the head's size
and count, the body's size) cost: each round runs the same requests, without recording,
through the app with its checks and through the app with them taken out (the check made a
no-op), taking turns, and prints the ratio of the two rates per round and their range.
Sockets and the HTTP parser are left out: this is the Python work a request costs us, which
the end-to-end figures of ``bench_mock`` cannot separate on a machine shared with the load
generator.

Not collected by pytest (pyproject's addopts ignore tests/benchmarks).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.serving import app as app_module
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.openapi import load_spec
from entente_daemon.record import InteractionCapture, LocalStoreSink, Redaction

CASTLE = Path(__file__).resolve().parents[2] / "examples" / "castle-service" / "openapi.yaml"
DISTINCT = 1000
ROUTES: dict[str, list[tuple[bytes, bytes]]] = {
    "static example": [],
    "schema-generated": [(b"prefer", b"dynamic=true")],
}


def scopes(extra: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    made = []
    for i in range(1, DISTINCT + 1):
        path = f"/castles/00000000-0000-4000-8000-{i:012d}"
        made.append(
            {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode("ascii"),
                "query_string": b"",
                "headers": [
                    (b"host", b"127.0.0.1:8080"),
                    (b"accept", b"application/json"),
                    *extra,
                ],
            }
        )
    return made


async def drive(
    app: MockApp, requests: list[dict[str, Any]], count: int
) -> tuple[float, float, list[float]]:
    """Seconds of wall time and of this thread's CPU for ``count`` requests, and each
    request's seconds."""
    message = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> MutableMapping[str, Any]:
        return message

    async def send(message: MutableMapping[str, Any]) -> None:
        return None

    n = len(requests)
    each: list[float] = []
    clock = time.perf_counter
    start, cpu = clock(), time.thread_time()
    for i in range(count):
        before = clock()
        await app(requests[i % n], receive, send)
        each.append(clock() - before)
    return clock() - start, time.thread_time() - cpu, each


def run_case(
    spec: Any, route: str, record: bool, count: int, runs: int, home: Path
) -> tuple[float, float, float, float]:
    """Requests per second of wall time and recorder CPU µs per request (medians of the
    runs), p99 and maximum of one request's ms (over all runs)."""
    recorder = None
    if record:
        recorder = InteractionCapture(
            "bench-consumer",
            "1.0.0",
            "castle-service",
            "1.0.0",
            "local",
            LocalStoreSink(home / "store"),
            redact=Redaction().for_spec(spec.security_schemes),
        )
        recorder.start()
    app = MockApp(MockEngine(spec), recorder=recorder)
    requests = scopes(ROUTES[route])
    rates: list[float] = []
    others: list[float] = []
    each: list[float] = []
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(drive(app, requests, DISTINCT * 2))  # warm caches
        if recorder is not None:
            recorder.flush()
        for _ in range(runs):
            process = time.process_time()
            wall, own, times = loop.run_until_complete(drive(app, requests, count))
            rates.append(count / wall)
            each.extend(times)
            others.append((time.process_time() - process - own) / count * 1e6)
    finally:
        loop.close()
        app.close()
    each.sort()
    p99 = each[int(len(each) * 0.99)] * 1000
    return statistics.median(rates), statistics.median(others), p99, each[-1] * 1000


SLICES = 20  # short turns, so that the load of a shared machine weighs on both alike


def limits_cost(spec: Any, count: int, runs: int) -> None:
    """Rates with the limits' checks on and off per route: each round runs ``count``
    requests through each app in `SLICES` alternating turns; a round's figure is the median
    rate of the "on" turns over that of the "off" turns."""
    checked = app_module._over_limits

    def unchecked(scope: Any, limits: Any) -> None:
        return None

    print(
        f"command: python -m tests.benchmarks.bench_mock_app --limits --requests {count} "
        f"--runs {runs}",
        flush=True,
    )
    print(f"{'route':18} {'round':>5} {'limits on rps':>14} {'off rps':>9} {'on/off':>7}")
    per_slice = max(count // SLICES, 1)
    for route in ROUTES:
        requests = scopes(ROUTES[route])
        apps = {True: MockApp(MockEngine(spec)), False: MockApp(MockEngine(spec))}
        loop = asyncio.new_event_loop()
        try:

            def turn(
                on: bool,
                n: int,
                loop: asyncio.AbstractEventLoop = loop,
                apps: dict[bool, MockApp] = apps,
                requests: list[dict[str, Any]] = requests,
            ) -> float:
                app_module._over_limits = checked if on else unchecked
                try:
                    wall, _, _ = loop.run_until_complete(drive(apps[on], requests, n))
                finally:
                    app_module._over_limits = checked
                return n / wall

            for on in (True, False):
                turn(on, DISTINCT * 2)  # warm caches
            ratios: list[float] = []
            for round_ in range(1, runs + 1):
                rates: dict[bool, list[float]] = {True: [], False: []}
                for n in range(SLICES):
                    for on in (True, False) if n % 2 else (False, True):
                        rates[on].append(turn(on, per_slice))
                on_rate, off_rate = statistics.median(rates[True]), statistics.median(rates[False])
                ratios.append(on_rate / off_rate)
                print(
                    f"{route:18} {round_:>5} {on_rate:>14,.0f} {off_rate:>9,.0f} "
                    f"{ratios[-1]:>7.3f}",
                    flush=True,
                )
        finally:
            loop.close()
        print(f"{route:18} on/off range {min(ratios):.3f}-{max(ratios):.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limits", action="store_true", help="the limits' cost: checks on vs off")
    args = parser.parse_args()
    spec = load_spec(CASTLE)
    if args.limits:
        limits_cost(spec, args.requests, args.runs)
        return
    print("command: python -m tests.benchmarks.bench_mock_app", flush=True)
    print(
        f"{'route':18} {'recording':>10} {'rps':>9} {'recorder µs/req':>16} "
        f"{'p99 ms':>7} {'max ms':>7}"
    )
    with tempfile.TemporaryDirectory(prefix="entente-bench-app-") as tmp:
        os.environ["ENTENTE_HOME"] = tmp
        for route in ROUTES:
            for record in (True, False):
                rps, other, p99, top = run_case(
                    spec, route, record, args.requests, args.runs, Path(tmp)
                )
                label = "on" if record else "off"
                print(
                    f"{route:18} {label:>10} {rps:>9,.0f} {other:>16.1f} {p99:>7.3f} {top:>7.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
