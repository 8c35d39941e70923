"""Benchmark: the same benchmarks on two revisions of Entente, taking turns, in one run.

Run from the repository root:

    python -m tests.benchmarks.compare_revisions --base REV [--rounds 2] -- BENCH [ARGS...]

e.g. ``--base eecf225 -- bench_mock_engine --calls 20000 --runs 1``. It checks ``REV`` out
into a temporary git worktree and runs ``python -m tests.benchmarks.BENCH ARGS`` there and in
this working tree, alternately for ``--rounds`` rounds (so that a noisy neighbour hurts both
alike), each in a subprocess whose ``PYTHONPATH`` and working folder are that tree, so the
benchmark and everything it starts import that tree's ``entente_daemon``.

Each benchmark prints its own figures; this pairs the lines of the two outputs that are the
same but for their numbers, and prints the first number of each pair as ``this / base``
(the median over the rounds). A renovation that changes no behaviour should stay near 1.00.
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


def figures(output: str) -> dict[str, float]:
    """The first number of each line that has one, keyed by the line with numbers blanked."""
    found: dict[str, float] = {}
    for line in output.splitlines():
        numbers = NUMBER.findall(line)
        if not numbers or line.lstrip().startswith(("command", "python ")):
            continue
        key = re.sub(r"\s+", " ", NUMBER.sub("#", line)).strip()
        found.setdefault(key, float(numbers[0].replace(",", "")))
    return found


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
            runs: dict[str, list[dict[str, float]]] = {"base": [], "this": []}
            for _ in range(options.rounds):
                runs["base"].append(figures(run_bench(base_tree, options.bench, args)))
                runs["this"].append(figures(run_bench(ROOT, options.bench, args)))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False
            )
    print(f"{'figure (first number of the line)':<70} {'base':>12} {'this':>12} {'ratio':>7}")
    for key in runs["this"][0]:
        base = [r[key] for r in runs["base"] if key in r]
        this = [r[key] for r in runs["this"] if key in r]
        if not base or not this:
            continue
        b, t = statistics.median(base), statistics.median(this)
        ratio = f"{t / b:7.2f}" if b else "      -"
        print(f"{key[:70]:<70} {b:>12,.1f} {t:>12,.1f} {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
