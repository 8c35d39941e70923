"""Benchmark: `entente diff` on two real versions of a large public spec, and on a 3,000-
operation generated spec with one edit (what the daemon's live alerts diff on every save).

Run from the repository root:

    python -m tests.benchmarks.bench_diff [--runs 3] [--operations 3000] [--peers DIR]

* the Stripe pair (`tests/specs/stripe/`, 3.7 and 3.8 MB of YAML, API versions 2022-08-01
  and 2022-11-15): the baseline is loading both specs (``load_spec``, no validation, median
  of ``--runs``); then ``diff_specs`` alone and the whole ``entente diff`` (load both + diff)
  as a ratio against it, and the changes found, by level and by rule;
* the generated spec (`bench_spec.generate`) with a property removed from one shared
  component: the full ``diff_specs`` and ``diff_operations`` limited to the operations the
  daemon would know changed, each a ratio against loading the spec once;
* peers, in the same run, on the same Stripe pair, when installed under ``--peers DIR``
  (``npm install --prefix DIR @useoptic/optic specmatic``; optic 1.0.9 then needs its
  spectral packages to share one ajv: ``rm -rf DIR/node_modules/@stoplight/*/node_modules/ajv``):
  ``optic diff --check`` and ``specmatic compare``, their wall time and their findings by
  rule.

Not collected by pytest (pyproject's addopts ignore tests/benchmarks).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from entente_daemon.diff import DiffReport, Level, diff_operations, diff_specs
from entente_daemon.openapi import Spec, load_spec
from tests.benchmarks.bench_spec import generate, median_time

ROOT = Path(__file__).resolve().parents[2]
STRIPE = ROOT / "tests" / "specs" / "stripe"
PAIR = ("spec3-v200.yaml.gz", "spec3-v220.yaml.gz")
PEER_TIMEOUT = 900.0
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def command() -> str:
    return shlex.join(["python", "-m", "tests.benchmarks.bench_diff", *sys.argv[1:]])


def unpack(folder: Path) -> tuple[Path, Path]:
    paths = []
    for name in PAIR:
        target = folder / name.removesuffix(".gz")
        target.write_bytes(gzip.decompress((STRIPE / name).read_bytes()))
        paths.append(target)
    return paths[0], paths[1]


def by_level(report: DiffReport) -> str:
    levels = Counter(c.level for c in report.changes)
    return ", ".join(f"{levels[level]} {level.value}" for level in Level)


def print_rules(report: DiffReport) -> None:
    rules = Counter((c.level.value, c.rule) for c in report.changes)
    places = {
        key: len(
            {c.location.spec_pointer for c in report.changes if (c.level.value, c.rule) == key}
        )
        for key in rules
    }
    for (level, rule), n in sorted(rules.items(), key=lambda kv: (-Level(kv[0][0]).rank, -kv[1])):
        print(f"    {level:<8} {rule:<42} {n:>6} changes at {places[(level, rule)]} spec places")


def stripe(args: argparse.Namespace, folder: Path) -> tuple[Path, Path]:
    old_path, new_path = unpack(folder)
    size = (old_path.stat().st_size + new_path.stat().st_size) / 1e6
    specs: list[Spec] = []

    def load_both() -> None:
        specs[:] = [load_spec(old_path, validate=False), load_spec(new_path, validate=False)]

    load = median_time(load_both, args.runs)
    old, new = specs
    reports: list[DiffReport] = []
    diff = median_time(lambda: reports.append(diff_specs(old, new)), args.runs)
    report = reports[-1]
    print(
        f"Stripe {old.version} → {new.version}: {len(old.operations)} → {len(new.operations)} "
        f"operations, {size:.1f} MB of YAML"
    )
    print(f"  baseline, load both specs:     {load:7.2f} s (median of {args.runs})")
    print(f"  diff_specs alone:              {diff:7.2f} s  = {diff / load:.2f} × the baseline")
    print(f"  entente diff (load + diff):    {load + diff:7.2f} s  = {(load + diff) / load:.2f} ×")
    print(f"  found: {len(report.changes)} changes: {by_level(report)}")
    print_rules(report)
    return old_path, new_path


def generated(args: argparse.Namespace, folder: Path) -> None:
    old_dir, new_dir = folder / "old", folder / "new"
    old_dir.mkdir()
    root = generate(old_dir, args.operations)
    shutil.copytree(old_dir, new_dir, dirs_exist_ok=True)
    document: dict[str, Any] = yaml.safe_load((new_dir / root.name).read_text())
    del document["components"]["schemas"]["Thing0"]["properties"]["ratio"]
    (new_dir / root.name).write_text(yaml.safe_dump(document, sort_keys=False))
    size = sum(p.stat().st_size for p in old_dir.iterdir()) / 1e6
    loaded: list[Spec] = []
    load = median_time(lambda: loaded.append(load_spec(new_dir / root.name, validate=False)), 1)
    old = load_spec(old_dir / root.name, validate=False)
    new = loaded[-1]
    reports: list[DiffReport] = []
    full = median_time(lambda: reports.append(diff_specs(old, new)), args.runs)
    touched = {
        (op.method, op.path)
        for op in new.operations
        if any(c.location.path == op.path for c in reports[-1].changes)
    }
    partial = median_time(lambda: reports.append(diff_operations(old, new, touched)), args.runs)
    print(
        f"\nGenerated spec: {len(new.operations)} operations, {size:.1f} MB, "
        f"'ratio' removed from one shared component"
    )
    print(f"  baseline, load the spec once:  {load * 1000:7.0f} ms")
    print(
        f"  diff_specs, whole spec:        {full * 1000:7.0f} ms  = {full / load:.3f} × the "
        f"baseline ({len(reports[0].changes)} changes: {by_level(reports[0])})"
    )
    print(
        f"  diff_operations, {len(touched):>3} touched:   {partial * 1000:7.0f} ms  = "
        f"{partial / load:.3f} × ({len(reports[-1].changes)} changes)"
    )


def _run(argv: list[str]) -> tuple[float, subprocess.CompletedProcess[str] | None]:
    started = time.perf_counter()
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=PEER_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"    {argv[0]}: {exc}")
        return time.perf_counter() - started, None
    return time.perf_counter() - started, done


def _show(name: str, seconds: float, done: subprocess.CompletedProcess[str] | None) -> None:
    if done is None:
        return
    out = (done.stdout + done.stderr).strip().splitlines()
    print(f"  {name}: {seconds:.2f} s wall, exit {done.returncode}, {len(out)} lines of output")
    findings = Counter(
        match.group(1) or match.group(2)
        for line in out
        if (match := _FINDING.search(line)) is not None
    )
    if findings:
        print(f"    {sum(findings.values())} findings:")
        for what, n in findings.most_common(12):
            print(f"    {n:>6}  {what}")
    else:
        for line in out[-8:]:
            print(f"    | {line[:150]}")


#: a finding line: optic's "x [rule name] ...", specmatic's "R2001: Missing required property"
_FINDING = re.compile(r"^\s*(?:x \[([^\]]+)\]|(R\d+: .+))")


def peers(args: argparse.Namespace, old: Path, new: Path) -> None:
    print("\nPeers on the same Stripe pair (same run):")
    entente = [sys.executable, "-m", "entente_daemon.cli", "diff", str(old), str(new)]
    seconds, done = _run(entente)
    if done is not None:
        print(f"  entente diff (a process): {seconds:.2f} s wall, exit {done.returncode}")
    if args.peers is None:
        print("  (no --peers DIR: optic and specmatic not run)")
        return
    bin_dir = args.peers / "node_modules" / ".bin"
    optic = bin_dir / "optic"
    if optic.exists():
        seconds, done = _run([str(optic), "diff", str(old), str(new), "--check"])
        _show("optic diff --check", seconds, done)
    else:
        print(f"  optic: not installed under {args.peers}")
    specmatic = bin_dir / "specmatic"
    if specmatic.exists():
        # Specmatic's YAML reader stops at 3 MiB of text: give it the same documents as JSON
        pair = []
        for path in (old, new):
            as_json = path.with_suffix(".json")
            as_json.write_text(json.dumps(yaml.load(path.read_text(), Loader=_LOADER)))
            pair.append(str(as_json))
        seconds, done = _run([str(specmatic), "compare", *pair])
        _show("specmatic compare (JSON copies)", seconds, done)
    else:
        print(f"  specmatic: not installed under {args.peers}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--operations", type=int, default=3000)
    parser.add_argument("--peers", type=Path, help="where npm installed optic and specmatic")
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args(argv)
    print(f"$ {command()}\n")
    with tempfile.TemporaryDirectory(prefix="entente-bench-diff-") as temp:
        folder = Path(temp)
        old, new = stripe(args, folder)
        if not args.skip_generated:
            (folder / "gen").mkdir()
            generated(args, folder / "gen")
        peers(args, old, new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
