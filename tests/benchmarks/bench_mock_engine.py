"""Benchmark: `MockEngine.handle` throughput on the castle spec, validation on.

Run from the repository root:

    python -m tests.benchmarks.bench_mock_engine [--calls 50000] [--runs 3]

Measures handle() calls per second (median of ``--runs``) for:

* ``GET /castles/{id}`` answered from the spec's example (the same request repeated, and
  with a new id on every call: what the engine's per-path caches cannot help with);
* ``GET /castles/{id}`` answered from a fixture (one approved fixture pinning the id);
* ``GET /castles/{id}`` generated (``Prefer: dynamic=true``), the same request repeated
  (generated answers are cached by the request's seed) and with a new id on every call;
* ``POST /castles`` with a JSON body validated, answered from the example.

The baseline, in the same run, is the same engine with request and response validation off:
the ratio is what validation costs.

Not collected by pytest (pyproject's addopts ignore tests/benchmarks).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from entente_daemon.mock.answer.engine import MockEngine, MockOptions
from entente_daemon.mock.messages import MockRequest
from entente_daemon.model import Fixture, FixtureStatus, HttpRequest, HttpResponse
from entente_daemon.openapi import load_spec

CASTLE = Path(__file__).resolve().parents[2] / "examples" / "castle-service" / "openapi.yaml"
ID = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"


def rate(calls: int, runs: int, make: Callable[[int], MockRequest], engine: MockEngine) -> float:
    requests = [make(i) for i in range(calls)]
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        for request in requests:
            engine.handle(request)
        results.append(calls / (time.perf_counter() - start))
    return statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    spec = load_spec(CASTLE)
    engine = MockEngine(spec)
    fixture = Fixture(
        provider="castle-service",
        operation_id="getCastle",
        status=FixtureStatus.APPROVED,
        request=HttpRequest(method="GET", path=f"/castles/{ID}"),
        response=HttpResponse(
            status=200, body={"id": ID, "name": "Fixture", "region": "X", "yearBuilt": 1700}
        ),
    )
    with_fixture = MockEngine(spec, fixtures=(fixture,))
    get = MockRequest("GET", f"/castles/{ID}", "", (("accept", "application/json"),))
    dynamic = (("prefer", "dynamic=true"),)
    ids = [str(uuid.UUID(int=i)) for i in range(args.calls)]
    body = json.dumps({"name": "Chambord", "region": "Loire", "yearBuilt": 1519}).encode()
    post = MockRequest("POST", "/castles", "", (("content-type", "application/json"),), body)
    cases: list[tuple[str, MockEngine, Callable[[int], MockRequest]]] = [
        ("GET /castles/{id} example", engine, lambda i: get),
        (
            "GET /castles/{id} example, new id each call",
            engine,
            lambda i: MockRequest(
                "GET", f"/castles/{ids[i]}", "", (("accept", "application/json"),)
            ),
        ),
        ("GET /castles/{id} fixture", with_fixture, lambda i: get),
        (
            "GET /castles/{id} generated, same id",
            engine,
            lambda i: MockRequest("GET", f"/castles/{ID}", "", dynamic),
        ),
        (
            "GET /castles/{id} generated, new id each call",
            engine,
            lambda i: MockRequest("GET", f"/castles/{ids[i]}", "", dynamic),
        ),
        ("POST /castles example", engine, lambda i: post),
    ]
    unchecked = MockOptions(validate_requests=False, validate_responses=False)
    print("command: python -m tests.benchmarks.bench_mock_engine")
    print(f"{'case':48} {'validated':>12} {'unvalidated':>12} {'ratio':>6}")
    for name, target, make in cases:
        calls = args.calls if "new id" not in name else min(args.calls, 5000)
        runs = args.runs if "new id" not in name else 1
        baseline = MockEngine(
            spec, fixtures=(fixture,) if target is with_fixture else (), options=unchecked
        )
        checked = rate(calls, runs, make, target)
        free = rate(calls, runs, make, baseline)
        print(f"{name:48} {checked:>12,.0f} {free:>12,.0f} {checked / free:>6.2f}")


if __name__ == "__main__":
    main()
