"""Pact export and import of many interactions, against plain JSON of the same data.

    python -m tests.benchmarks.bench_pact [--interactions 10000] [--rounds 3]

``--interactions`` castle interactions (each with a fresh uuid, a date-time and a nested
list, so the export's matching-rule choice has work to do) are:

- **exported**: the pact document written (`pact.writing.pact_document`, with the castle
  spec for the rule choice) and encoded as JSON. Baseline: ``json.dumps`` of the same
  interactions' records (what any export must at least do);
- **imported**: the pact file's text read (`pact.reading.parse_pact_text`) and made into
  interactions matched to the spec (`pact.recorded.as_interactions`). Baseline:
  ``json.loads`` of the same text.

Then the same through the records port on a temporary local store, as the commands run
(``entente pact import`` storing them, ``entente pact export`` reading them back).
Medians of ``--rounds``; the target is under a second each for 10,000.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from entente_daemon.model import HttpRequest, HttpResponse, Interaction, MatchContext
from entente_daemon.openapi import load_spec
from entente_daemon.pact.files import export_pact, import_pacts
from entente_daemon.pact.reading import parse_pact_text
from entente_daemon.pact.recorded import as_interactions
from entente_daemon.pact.writing import pact_document

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "castle-service" / "openapi.yaml"


def command() -> str:
    return shlex.join(["python", "-m", "tests.benchmarks.bench_pact", *sys.argv[1:]])


def interactions(count: int) -> list[Interaction]:
    made: list[Interaction] = []
    for n in range(count):
        castle_id = f"{n:08x}-8a51-4c1e-9d3a-6b2f7e4d1a90"
        body: dict[str, Any] = {
            "id": castle_id,
            "name": f"Castle {n}",
            "region": "Normandie",
            "yearBuilt": 1000 + n % 1000,
            "updatedAt": "2026-12-02T16:45:00.123Z",
            "towers": [{"towerId": n * 10 + t, "height": 20 + t} for t in range(3)],
        }
        made.append(
            Interaction(
                consumer="castle-client",
                consumer_version="1.0.0",
                provider="castle-service",
                provider_version="1.0.0",
                operation_id="getCastle",
                request=HttpRequest(
                    method="GET", path=f"/castles/{castle_id}", headers={"accept": "*/*"}
                ),
                response=HttpResponse(
                    status=200, headers={"content-type": "application/json"}, body=body
                ),
                test_id=f"tests/test_castles.py::test_castle_{n}",
                run_id="bench",
                match=MatchContext(source="example", path_params={"id": castle_id}),
            ).with_hash()
        )
    return made


def median(rounds: int, work: Callable[[], object]) -> float:
    times: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interactions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    spec = load_spec(SPEC)
    made = interactions(args.interactions)
    records = [i.to_json() for i in made]

    def export() -> str:
        document = pact_document(
            made, consumer="castle-client", provider="castle-service", spec=spec
        )
        return json.dumps(document, ensure_ascii=False)

    text = export()

    def read() -> list[Interaction]:
        return as_interactions(
            parse_pact_text(text, "bench.json"), consumer_version="1.0.0", spec=spec
        )

    assert len(read()) == args.interactions
    export_s = median(args.rounds, export)
    dumps_s = median(args.rounds, lambda: json.dumps(records, ensure_ascii=False))
    import_s = median(args.rounds, read)
    loads_s = median(args.rounds, lambda: json.loads(text))

    with tempfile.TemporaryDirectory() as folder:
        os.environ["ENTENTE_HOME"] = str(Path(folder) / "home")
        from entente_daemon.records import StoreRecords

        pact_file = Path(folder) / "castle-client-castle-service.json"
        pact_file.write_text(text, encoding="utf-8")
        store = StoreRecords()
        try:
            started = time.perf_counter()
            [report] = import_pacts(store, [pact_file], consumer_version="1.0.0", spec_path=SPEC)
            stored_import_s = time.perf_counter() - started
            assert report.imported == args.interactions, report
            started = time.perf_counter()
            done = export_pact(
                store,
                consumer="castle-client",
                provider="castle-service",
                out_dir=Path(folder) / "out",
                spec_path=SPEC,
            )
            stored_export_s = time.perf_counter() - started
            assert done.interactions == args.interactions
        finally:
            store.close()

    n = args.interactions
    print(f"command: {command()}")
    print(f"python {sys.version.split()[0]}, {n} interactions, pact file {len(text) / 1e6:.1f} MB")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (absolute times scale with it)")
    rows = [
        ("export (pact document + JSON)", export_s, dumps_s, "json.dumps of the records"),
        ("import (read + to interactions)", import_s, loads_s, "json.loads of the file"),
    ]
    for name, seconds, base, baseline in rows:
        print(f"{name:<37}: {seconds * 1000:8.0f} ms (median)")
        print(f"  baseline {baseline:<26}: {base * 1000:8.0f} ms  ratio {seconds / base:5.1f}x")
    print(f"import into a local store (once)     : {stored_import_s * 1000:8.0f} ms")
    print(f"export from a local store (once)     : {stored_export_s * 1000:8.0f} ms")
    verdict = "met" if max(export_s, import_s) < 1.0 else "NOT met"
    print(f"target (conversion under 1 s each for 10,000): {verdict}")


if __name__ == "__main__":
    main()
