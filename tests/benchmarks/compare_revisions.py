"""Benchmark: the same benchmarks on two revisions of Entente, taking turns, in one run.

Run from the repository root:

    python -m tests.benchmarks.compare_revisions --base REV [--rounds 2] -- BENCH [ARGS...]

e.g. ``--base eecf225 -- bench_mock_engine --calls 20000 --runs 1``. It checks ``REV`` out
into a temporary git worktree and runs ``python -m tests.benchmarks.BENCH ARGS`` there and in
this working tree, alternately for ``--rounds`` rounds (so that a noisy neighbour hurts both
alike), each in a subprocess whose ``PYTHONPATH`` and working folder are that tree, so the
benchmark and everything it starts import that tree's ``entente_daemon``.

Each benchmark prints its own figures; this pairs the lines of the two outputs that are the
same but for their numbers, and prints each number of a pair as ``base → this (this /
base)``, medians over the rounds (counts and settings come out at 1.00; rates and times are
the figures). A renovation that changes no behaviour should stay near 1.00.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"(?<![\w.,])-?\d[\d,]*(?:\.\d+)?")  # not a digit inside a word (p99)


def run_bench(tree: Path, bench: str, args: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-m", f"tests.benchmarks.{bench}", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{bench} failed in {tree}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def figures(output: str) -> dict[str, list[float]]:
    """The numbers of each line that has some, keyed by the line with numbers blanked."""
    found: dict[str, list[float]] = {}
    for line in output.splitlines():
        numbers = NUMBER.findall(line)
        if not numbers or line.lstrip().startswith(("command", "python ")):
            continue
        key = re.sub(r"\s+", " ", NUMBER.sub("#", line)).strip()
        found.setdefault(key, [float(n.replace(",", "")) for n in numbers])
    return found


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def ratios(base: list[list[float]], this: list[list[float]]) -> str:
    """``this / base`` for each number of a line (medians over the rounds), base → this."""
    shown = []
    for b_values, t_values in zip(zip(*base, strict=False), zip(*this, strict=False), strict=False):
        b, t = statistics.median(b_values), statistics.median(t_values)
        ratio = f"{t / b:.2f}" if b else "-"
        shown.append(f"{_number(b)} → {_number(t)} ({ratio})")
    return "; ".join(shown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--base", required=True, help="the revision to compare against")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("bench", help="a module of tests/benchmarks, e.g. bench_mock_engine")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    args = [a for a in options.args if a != "--"]
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(f"command: python -m tests.benchmarks.compare_revisions {shlex.join(sys.argv[1:])}")
    print(f"this tree: {head} (+ working changes); base: {options.base}")
    with tempfile.TemporaryDirectory(prefix="entente-base-") as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base_tree), options.base],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            runs: dict[str, list[dict[str, list[float]]]] = {"base": [], "this": []}
            for _ in range(options.rounds):
                runs["base"].append(figures(run_bench(base_tree, options.bench, args)))
                runs["this"].append(figures(run_bench(ROOT, options.bench, args)))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False
            )
    print("each line: every number, base → this (this / base), medians over the rounds")
    for key in runs["this"][0]:
        base = [r[key] for r in runs["base"] if key in r]
        this = [r[key] for r in runs["this"] if key in r]
        if base and this:
            print(f"{key}\n    {ratios(base, this)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
