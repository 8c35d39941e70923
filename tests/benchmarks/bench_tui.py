"""Benchmark: the TUI with 100,000 stored interactions and 500 new ones a second.

Run from the repository root:

    python -m tests.benchmarks.bench_tui [--stored 100000] [--rate 500] [--seconds 10]

Two temporary Entente homes, each with its store built directly (`tui_workload.build_store`,
before its daemon starts: the daemon is then its only writer), a real daemon, and a copy of
the castle client project attached. Each measured TUI session runs in its own process
(`tui_session`: the app headless under ``run_test``, against the home's daemon):

* time to first screen: ``run_test`` entered → the Interactions table holds its first page.
  Baseline in the same run: a store of ``--baseline-stored`` interactions; ``--repeat``
  sessions each, alternating, so the figure is "median at 100,000 / median at 1,000".
* live delay: `tui_load` uploads ``--rate`` interactions a second for ``--seconds`` from
  another process; for each, upload sent → its row in ``screen.table``; p50/p95/p99/max.
  Baseline in the same run: the same with the app's per-frame batching switched off (every
  event handed to the screen as it arrives: `tui_session.UnbatchedApp`).
* memory: the TUI process's VmRSS at start, at the first screen and after the load.

Not collected by pytest (pyproject's addopts ignore tests/benchmarks).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from entente_daemon.client import DaemonClient
from entente_daemon.client.lifecycle import start_daemon, stop_daemon
from entente_daemon.home import store_dir
from tests.benchmarks.tui_workload import build_store
from tests.daemon.castle_project import castle_project

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Home:
    """A temporary Entente home with its store built, its daemon running and the castle
    client project attached."""

    path: Path
    project: Path
    stored: int
    build_s: float

    @classmethod
    def make(cls, root: Path, stored: int) -> Home:
        home = root / "home"
        began = time.perf_counter()
        count = build_store(store_dir(home), stored)
        build_s = time.perf_counter() - began
        castle = castle_project(root / "castle")
        start_daemon(home, timeout=120)
        with DaemonClient.connect(home) as client:
            client.attach_project(castle.config)
        return cls(home, castle.config.parent, count, build_s)

    def stop(self) -> None:
        stop_daemon(self.path, timeout=60, force=True)


def run_session(
    home: Home, mode: str, *, rate: int = 0, seconds: float = 0.0, first: int = 0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "session.json"
        env = {**os.environ, "ENTENTE_HOME": str(home.path)}
        command = [
            *(sys.executable, "-m", "tests.benchmarks.tui_session"),
            *("--project", str(home.project), "--mode", mode),
            *("--rate", str(rate), "--seconds", str(seconds), "--first", str(first)),
            *("--out", str(out)),
        ]
        subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=600)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def delay_row(label: str, result: dict[str, Any]) -> str:
    delays = [d * 1000 for d in result["delays_s"]] or [float("nan")]
    shown = f"{result['shown']}/{result['sent']}"
    return (
        f"{label:<28} {statistics.median(delays):>7.1f} {percentile(delays, 0.95):>7.1f} "
        f"{percentile(delays, 0.99):>7.1f} {max(delays):>7.1f}  {shown:>11} "
        f"{result['batches']:>7} {result['achieved_rate']:>6.0f}/s"
    )


@dataclass
class Results:
    small: Home
    big: Home
    first_small: list[dict[str, Any]]
    first_big: list[dict[str, Any]]
    batched: dict[str, Any]
    unbatched: dict[str, Any]


def measure(args: argparse.Namespace, root: Path) -> Results:
    small = Home.make(root / "small", args.baseline_stored)
    try:
        big = Home.make(root / "big", args.stored)
        try:
            first_small: list[dict[str, Any]] = []
            first_big: list[dict[str, Any]] = []
            for _ in range(args.repeat):  # alternating, so that drift favours neither
                first_small.append(run_session(small, "batched"))
                first_big.append(run_session(big, "batched"))
            live = {"rate": args.rate, "seconds": args.seconds}
            batched = run_session(big, "batched", **live, first=1_000_000)
            unbatched = run_session(big, "unbatched", **live, first=2_000_000)
        finally:
            big.stop()
    finally:
        small.stop()
    return Results(small, big, first_small, first_big, batched, unbatched)


def report(args: argparse.Namespace, results: Results) -> None:
    big, small = results.big, results.small
    command = [sys.executable, "-m", "tests.benchmarks.bench_tui", *sys.argv[1:]]
    print(f"command: {' '.join(command)}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (at the end)")
    print(f"store built directly: {big.stored} interactions in {big.build_s:.1f} s")
    print()
    print(f"time to first screen ({args.repeat} sessions each; median, min–max)")
    print(f"{'':<24} {'stored':>8} {'rows':>6} {'median s':>9} {'range s':>14}")
    medians = []
    for label, home, runs in (
        ("baseline: small store", small, results.first_small),
        ("large store", big, results.first_big),
    ):
        times = [r["first_screen_s"] for r in runs]
        medians.append(statistics.median(times))
        print(
            f"{label:<24} {home.stored:>8} {runs[0]['first_page_rows']:>6} "
            f"{medians[-1]:>9.2f} {min(times):>6.2f}–{max(times):<6.2f}"
        )
    print(f"ratio large / small: {medians[1] / medians[0]:.2f}")
    print()
    print(
        f"live delay, upload → row in screen.table, ms "
        f"({args.rate}/s for {args.seconds:g} s, {big.stored} stored)"
    )
    print(
        f"{'':<28} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  {'rows shown':>11} "
        f"{'batches':>7} {'rate':>8}"
    )
    print(delay_row("batched per frame (the app)", results.batched))
    print(delay_row("unbatched (baseline)", results.unbatched))
    b, u = results.batched["delays_s"], results.unbatched["delays_s"]
    if b and u:
        print(
            "ratio batched / unbatched: "
            f"p50 {statistics.median(b) / statistics.median(u):.2f}, "
            f"p95 {percentile(b, 0.95) / percentile(u, 0.95):.2f}, "
            f"p99 {percentile(b, 0.99) / percentile(u, 0.99):.2f}"
        )
    print()
    print(f"{'TUI memory (VmRSS, MiB)':<28} {'start':>8} {'1st screen':>11} {'end':>8}")
    for label, result in (
        ("small store, no load", results.first_small[-1]),
        ("large store, no load", results.first_big[-1]),
        ("large store, batched", results.batched),
        ("large store, unbatched", results.unbatched),
    ):
        print(
            f"{label:<28} {result['rss_start_mib']:>8.1f} "
            f"{result['rss_first_screen_mib']:>11.1f} {result['rss_end_mib']:>8.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--baseline-stored", type=int, default=1_000)
    parser.add_argument("--rate", type=int, default=500, help="live interactions per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3, help="first-screen sessions per store")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="entente-bench-tui-") as folder:
        results = measure(args, Path(folder))
    report(args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
