"""Mock serving speed: ``entente mock`` against Prism (``@stoplight/prism-cli``).

    python -m tests.benchmarks.bench_mock [--seconds 10] [--warmup 3] [--rounds 2]

Same castle spec, same machine, same load generator (wrk: 2 threads, 16 connections, a
fixed duration per case after a warm-up), in one run, the tools taking turns (round 1:
Entente then Prism, round 2: Prism then Entente...; the median of the rounds is shown).
Two routes, each the same request on both sides (GET /castles/{id}, cycling through 1,000
distinct ids per wrk thread):

- static example: answered from the spec's example;
- schema-generated: the same request with ``Prefer: dynamic=true``, which both tools
  honour by generating the body from the schema instead of using the example.

Entente runs with request and response validation on and recording on (``--record``, into
a temporary ENTENTE_HOME); Prism with its default request validation. Neither logs a line
per request (Entente ``--quiet``, Prism ``-v error``): logging is not what is measured.
One more case runs Entente with ``--no-record``, for comparison. Between cases each server
is waited on until it is idle (a recorder still writing does not steal the next case's CPU).

Needs wrk (explains how to install it when absent) and Prism (taken from /tmp/prism, else
installed with ``npm install --prefix ~/.cache/entente-bench/prism @stoplight/prism-cli``).
The load generator shares the machine's CPUs with the server it measures: on a 2-core
machine that caps both tools, so compare the ratio rather than the absolute figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from entente_daemon.store import Store
from tests.benchmarks.load import (
    WRK_INSTALL_HINT,
    Load,
    Measure,
    run_wrk,
    wait_idle,
    wrk_command,
    wrk_executable,
)
from tests.conformance.servers import (
    Server,
    entente_mock_command,
    free_port,
    prism_command,
    prism_executable,
    running,
)

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "castle-service" / "openapi.yaml"
PATH_PREFIX = "/castles/"
ROUTES = {"static example": (), "schema-generated": ("Prefer: dynamic=true",)}
TARGET_RATIO = 5.0
TARGET_P99_MS = 5.0


@dataclass
class Tool:
    name: str
    port: int
    command: list[str]
    server: Server | None = None
    results: dict[str, list[Measure]] = field(default_factory=dict)


def median_measure(measures: list[Measure]) -> Measure:
    def med(values: list[float]) -> float:
        return float(statistics.median(values))

    return Measure(
        requests=int(med([m.requests for m in measures])),
        seconds=med([m.seconds for m in measures]),
        rps=med([m.rps for m in measures]),
        p50_ms=med([m.p50_ms for m in measures]),
        p90_ms=med([m.p90_ms for m in measures]),
        p99_ms=med([m.p99_ms for m in measures]),
        max_ms=max(m.max_ms for m in measures),
        non2xx=sum(m.non2xx for m in measures),
        errors=sum(m.errors for m in measures),
    )


def command_line() -> str:
    spec = globals().get("__spec__")
    if spec is not None and spec.name:
        return shlex.join(["python", "-m", spec.name, *sys.argv[1:]])
    return shlex.join(["python", *sys.argv])


def version_of(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0] if done.stdout or done.stderr else "?"
    )


@contextlib.contextmanager
def all_running(tools: list[Tool], env: dict[str, str], work: Path) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for tool in tools:
            tool.server = stack.enter_context(
                running(tool.name, tool.command, tool.port, env=env, cwd=work, log_dir=work)
            )
        yield


def measure(tool: Tool, route: str, wrk: str, load: Load, warmup: float) -> Measure:
    assert tool.server is not None
    headers = ROUTES[route]
    if warmup > 0:
        warm = Load(load.threads, load.connections, warmup, load.distinct_ids)
        run_wrk(wrk_command(wrk, tool.server.origin, PATH_PREFIX, warm, headers), warmup + 30)
    wait_idle(tool.server.process.pid)
    command = wrk_command(wrk, tool.server.origin, PATH_PREFIX, load, headers)
    result = run_wrk(command, load.seconds + 60)
    tool.results.setdefault(route, []).append(result)
    print(
        f"  {route:<16} {tool.name:<22} {result.rps:9.0f} rps  p50 {result.p50_ms:6.2f} ms  "
        f"p99 {result.p99_ms:6.2f} ms  non-2xx {result.non2xx}  errors {result.errors}",
        flush=True,
    )
    wait_idle(tool.server.process.pid)
    return result


def recorded_summary(log: str) -> str:
    found = re.search(r"Recorded (\d+) request\(s\); (\d+) written", log)
    return f"{found.group(1)} recorded, {found.group(2)} written" if found else "no summary"


def stored_interactions(path: Path) -> str:
    """How many distinct interactions the store holds (it de-duplicates by content)."""
    try:
        with Store.open(path, readonly=True) as store:
            return f"{store.interactions.count()} distinct interactions in the store"
    except Exception as exc:  # a figure for the report, not a reason to fail the benchmark
        return f"store not readable: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per case")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per case")
    parser.add_argument("--rounds", type=int, default=2, help="turns per tool and route")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    wrk = wrk_executable()
    if wrk is None:
        print(WRK_INSTALL_HINT, file=sys.stderr)
        return 2
    prism = prism_executable()
    load = Load(args.threads, args.connections, args.seconds)

    with tempfile.TemporaryDirectory(prefix="entente-bench-mock-") as tmp:
        work = Path(tmp)
        home = work / "entente-home"
        home.mkdir()
        env = {**os.environ, "ENTENTE_HOME": str(home)}
        ports = [free_port() for _ in range(3)]
        entente = Tool(
            "entente (record)",
            ports[0],
            entente_mock_command(SPEC, ports[0], record=True, extra=["--quiet"]),
        )
        prism_tool = Tool(
            "prism", ports[1], prism_command(prism, SPEC, ports[1], extra=["-v", "error"])
        )
        no_record = Tool(
            "entente (no record)",
            ports[2],
            entente_mock_command(SPEC, ports[2], record=False, extra=["--quiet"]),
        )
        tools = [entente, prism_tool, no_record]
        print(f"command: {command_line()}")
        prism_version = version_of([str(prism), "--version"])
        print(
            f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
            f"{platform.system()} {platform.release()}; prism {prism_version}; "
            f"{version_of([wrk, '--version'])}"
        )
        print(f"spec: {SPEC.relative_to(ROOT)}; ENTENTE_HOME={home}")
        for tool in tools:
            print(f"{tool.name}: {shlex.join(tool.command)}")
        example = wrk_command(
            wrk, "http://127.0.0.1:PORT", PATH_PREFIX, load, ROUTES["schema-generated"]
        )
        print(f"load: {shlex.join(example)}")
        print("note: wrk shares the CPUs with the server under test.", flush=True)

        with all_running(tools, env, work):
            for round_number in range(args.rounds):
                print(f"round {round_number + 1}/{args.rounds}", flush=True)
                for index, route in enumerate(ROUTES):
                    order = [entente, prism_tool]
                    if (round_number + index) % 2:
                        order.reverse()
                    for tool in order:
                        measure(tool, route, wrk, load, args.warmup)
            for route in ROUTES:
                measure(no_record, route, wrk, load, args.warmup)
        # Servers stopped (SIGTERM: graceful, the recorder writes what is left).
        recorded = recorded_summary(entente.server.output() if entente.server else "")
        recorded += f"; {stored_interactions(home / 'store')}"

    return report(entente, prism_tool, no_record, load, recorded)


def report(entente: Tool, prism: Tool, no_record: Tool, load: Load, recorded: str) -> int:
    print()
    print(f"{'route':<16}  {'tool':<20}  {'rps':>8}  {'p50 ms':>7}  {'p99 ms':>7}  non-2xx")
    failures = 0
    for route in ROUTES:
        rows = [(tool, median_measure(tool.results[route])) for tool in (entente, prism, no_record)]
        for tool, m in rows:
            print(
                f"{route:<16}  {tool.name:<20}  {m.rps:8.0f}  {m.p50_ms:7.2f}  {m.p99_ms:7.2f}  "
                f"{m.non2xx + m.errors}"
            )
            failures += m.non2xx + m.errors
        ours, theirs = rows[0][1], rows[1][1]
        ratio = ours.rps / theirs.rps if theirs.rps else float("inf")
        ratio_met = "met" if ratio >= TARGET_RATIO else "NOT met"
        p99_met = "met" if ours.p99_ms < TARGET_P99_MS else "NOT met"
        print(
            f"{route:<16}  ratio entente/prism throughput {ratio:.2f}x "
            f"(target >= {TARGET_RATIO:g}x: {ratio_met}); "
            f"entente p99 {ours.p99_ms:.2f} ms at {load.connections} connections "
            f"(target < {TARGET_P99_MS:g} ms: {p99_met})"
        )
    print(f"entente (record): {recorded}")
    if failures:
        print(f"warning: {failures} non-2xx answers or socket errors: figures are suspect")
    return 0


if __name__ == "__main__":
    sys.exit(main())
