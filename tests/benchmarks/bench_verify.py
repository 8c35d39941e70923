"""Provider verification speed: Entente's verifier against pact-python's, on the castle-service.

    python -m tests.benchmarks.bench_verify [--interactions 1000] [--rounds 3]

Issue 6. The real castle-service (``python -m castle_service``) answers N distinct requests
once; those answers become N recorded `Interaction`\\ s (see `verify_workload`), stored in a
temporary ENTENTE_HOME, and the same N written as a Pact v3 file (see `verify_pact`). Then,
in each round, every tool verifies all N against a *fresh* castle-service process (started
and waited on outside the timing, so every tool replays against the same state):

- ``entente``: the public path, ``create_provider(name=..., version=..., spec=...)
  .verify(base_url, on_missing="continue")``: load the spec, read the store, replay, compare,
  store the verifications and draft fixtures;
- ``entente (runner only)``: ``verify_all(base_url, spec, interactions)`` on interactions
  and a spec already in memory: replay and compare only;
- ``pact-python``: ``pact.Verifier(...).add_transport(...).add_source(pact_file).verify()``
  (parsing the pact file, replay and compare, in the Rust core), as configured by default;
- ``pact-python (no TLS check)``: the same with ``.disable_ssl_verification()``, which for
  this ``http://`` provider changes no check but spares pact loading the system's CA roots
  for the new HTTP client it builds for every interaction: pact at its fastest.

The tools take turns (the order flips every round); the table shows the median of the rounds.
Both replay one request at a time over HTTP/1.1 on 127.0.0.1, and the provider shares this
machine's CPUs with the verifier: compare the ratio rather than the absolute figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from entente_daemon.home import HOME_ENV
from entente_daemon.model import Interaction
from entente_daemon.openapi import load_spec
from entente_daemon.store import Store
from entente_daemon.verify.provider import create_provider
from entente_daemon.verify.runner import verify_all
from tests.benchmarks.verify_pact import PactUnavailable, pact_version, run_pact, write_pact
from tests.benchmarks.verify_service import SPEC, castle_service, service_command
from tests.benchmarks.verify_workload import (
    PROVIDER,
    PROVIDER_VERSION,
    planned,
    record,
    statuses,
)

ENTENTE = "entente"
RUNNER = "entente (runner only)"
PACT = "pact-python"
PACT_FAST = "pact-python (no TLS check)"

CHECKS = {
    ENTENTE: (
        "status; Content-Type (media type); the body against the spec's response schema "
        "(JSON Schema, readOnly/writeOnly); the body's structure: every field the consumer "
        "saw still there with a compatible JSON type (arrays by merged item shape, extra "
        "fields allowed). Other headers are not compared."
    ),
    PACT: (
        "status; the recorded response headers (Content-Type by value, Location by regex, "
        "Allow by value); the body with the 'type' matching rule at $: every expected key "
        "present with the same JSON type (extra keys allowed, array items by type). No "
        "OpenAPI schema: pact knows only the pact file. (The no-TLS run checks the same.)"
    ),
}


@dataclass
class Run:
    """One tool's verification of all interactions, in one round."""

    tool: str
    total: int
    passed: int
    seconds: float
    failures: list[str] = field(default_factory=list)


def populate(home: Path, interactions: list[Interaction]) -> None:
    """A fresh Entente home whose store holds the recorded interactions."""
    home.mkdir(parents=True)
    os.environ[HOME_ENV] = str(home)
    with Store.open() as store:
        store.interactions.add_many(interactions)
        stored = store.interactions.count()
    if stored != len(interactions):
        raise RuntimeError(f"{home}: stored {stored} interactions, expected {len(interactions)}")


def run_entente(home: Path, interactions: list[Interaction], base_url: str) -> Run:
    """The public path (see the module docstring), timed from ``create_provider``."""
    populate(home, interactions)
    started = time.perf_counter()
    provider = create_provider(name=PROVIDER, version=PROVIDER_VERSION, spec=SPEC)
    report = provider.verify(base_url, on_missing="continue")
    seconds = time.perf_counter() - started
    failures = report.summary().splitlines()[1:6]
    return Run(ENTENTE, report.total, report.passed, seconds, failures)


def run_runner(interactions: list[Interaction], base_url: str) -> Run:
    """Replay and compare only: interactions and spec are in memory before the clock starts."""
    spec = load_spec(SPEC)
    started = time.perf_counter()
    outcomes = verify_all(base_url, spec, interactions, on_missing="continue")
    seconds = time.perf_counter() - started
    failed = [o for o in outcomes if not o.result.ok]
    failures = [f"{o.interaction.request.path}: {o.result.message}" for o in failed[:5]]
    return Run(RUNNER, len(outcomes), len(outcomes) - len(failed), seconds, failures)


def run_pact_tool(pact_file: Path, base_url: str, *, tls_verification: bool) -> Run:
    result = run_pact(pact_file, base_url, PROVIDER, tls_verification=tls_verification)
    name = PACT if tls_verification else PACT_FAST
    return Run(name, result.total, result.passed, result.seconds, result.failures)


def command() -> str:
    spec = globals().get("__spec__")
    if spec is not None and spec.name:
        return shlex.join(["python", "-m", spec.name, *sys.argv[1:]])
    return shlex.join(["python", *sys.argv])


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def table(runs: list[Run], count: int, tools: list[str]) -> list[str]:
    """One line per tool: median seconds of the rounds and the rate at that median."""
    medians = {
        tool: statistics.median(r.seconds for r in runs if r.tool == tool)
        for tool in tools
        if any(r.tool == tool for r in runs)
    }
    bases = [(medians.get(PACT), "vs pact"), (medians.get(PACT_FAST), "vs pact no-TLS")]
    width = max(len(t) for t in medians)
    header = f"{'tool':<{width}}  interactions  passed  seconds  interactions/s"
    lines = [header + "".join(f"  {label:>14}" for _, label in bases)]
    for tool, seconds in medians.items():
        passed = min(r.passed for r in runs if r.tool == tool)
        ours = rate(count, seconds)
        ratios = "".join(
            f"  {base / seconds:13.2f}x" if base else f"  {'n/a':>14}" for base, _ in bases
        )
        lines.append(
            f"{tool:<{width}}  {count:>12}  {passed:>6}  {seconds:7.2f}  {ours:14.0f}{ratios}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--interactions", type=int, default=1000, help="interactions to verify")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the median is shown)")
    parser.add_argument("--no-pact", action="store_true", help="measure Entente only")
    args = parser.parse_args(argv)
    if args.interactions < 1 or args.rounds < 1:
        parser.error("--interactions and --rounds must be at least 1")

    previous_home = os.environ.get(HOME_ENV)
    pact_note: str | None = "skipped (--no-pact)" if args.no_pact else None
    pact_label = "not used"
    if not args.no_pact:
        try:
            pact_label = pact_version()
        except PactUnavailable as exc:
            pact_note = str(exc)

    print(f"command: {command()}")
    print(
        f"python {platform.python_version()}, pact-python {pact_label}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}"
    )
    print(f"provider: {shlex.join(service_command(0)).replace(' 0', ' PORT')} (fresh per run)")
    runs: list[Run] = []
    try:
        with tempfile.TemporaryDirectory(prefix="entente-bench-verify-") as tmp:
            root = Path(tmp)
            spec = load_spec(SPEC)
            with castle_service(root) as url:
                interactions = record(url, spec, planned(args.interactions))
            mix = ", ".join(f"{k}: {v}" for k, v in statuses(interactions).items())
            print(f"workload: {len(interactions)} recorded interactions ({mix})")
            pact_file = write_pact(interactions, root)
            tools: list[tuple[str, Callable[[Path, str], Run]]] = [
                (ENTENTE, lambda home, url: run_entente(home, interactions, url)),
                (RUNNER, lambda home, url: run_runner(interactions, url)),
            ]
            if pact_note is None:
                tools += [
                    (PACT, lambda h, url: run_pact_tool(pact_file, url, tls_verification=True)),
                    (
                        PACT_FAST,
                        lambda h, url: run_pact_tool(pact_file, url, tls_verification=False),
                    ),
                ]
            for round_number in range(args.rounds):
                order = tools if round_number % 2 == 0 else list(reversed(tools))
                for name, run in order:
                    home = root / f"home-{round_number}-{len(runs)}"
                    try:
                        with castle_service(root) as url:
                            result = run(home, url)
                    except PactUnavailable as exc:
                        pact_note = str(exc)
                        tools = [t for t in tools if t[0] not in (PACT, PACT_FAST)]
                        continue
                    runs.append(result)
                    print(
                        f"  round {round_number + 1}: {name:<22} {result.passed}/{result.total} "
                        f"passed in {result.seconds:6.2f} s "
                        f"({rate(result.total, result.seconds):5.0f}/s)",
                        flush=True,
                    )
                    for failure in result.failures:
                        print(f"    {failure}")
    finally:
        if previous_home is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = previous_home

    print()
    for line in table(runs, args.interactions, [ENTENTE, RUNNER, PACT, PACT_FAST]):
        print(line)
    if pact_note is not None:
        print(f"\npact-python: not measured: {pact_note}")
    incomplete = sorted({r.tool for r in runs if r.passed != args.interactions})
    if incomplete:
        print(
            "\nWARNING: not every interaction passed for: "
            + ", ".join(incomplete)
            + " (the figures then compare unequal work)"
        )
    print("\nwhat each tool checks per interaction:")
    for tool, checks in CHECKS.items():
        print(f"  {tool}: {checks}")


if __name__ == "__main__":
    main()
