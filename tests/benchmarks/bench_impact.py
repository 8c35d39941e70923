"""Benchmark: consumer impact of a spec edit, on a large spec and many recordings.

Run from the repository root:

    python -m tests.benchmarks.bench_impact [--operations 3000] [--per-operation 4] [--runs 5]

It writes the generated spec of `tests.benchmarks.bench_spec.generate` (``--operations``
operations, shared component schemas, two files), and an edited copy: one shared schema
(``Thing0``) loses its ``count`` property, which about 1% of the operations return. It makes
``--per-operation`` recorded contract interactions per operation (two consumers; a request
the spec accepts, a response holding every field), then measures, median of ``--runs``:

* ``ImpactIndex.build`` over every recording (done once, when the recordings change);
* ``impact_of`` on the diff's report: only the operations the report names are read;
* the baseline, in the same run: ``impact_of(..., everywhere=True)``, every recorded
  operation replayed against the new spec (what impact costs without the index's scoping);
* for scale: ``diff_specs`` of the two specs (what a live check pays before impact).

Not collected by pytest (pyproject's addopts ignore tests/benchmarks).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from entente_daemon.diff import diff_specs
from entente_daemon.diff.impact import impact_of
from entente_daemon.diff.impact_index import ImpactIndex
from entente_daemon.model import HttpRequest, HttpResponse, Interaction, MatchContext
from entente_daemon.openapi import Operation, load_spec
from tests.benchmarks.bench_spec import generate

ID = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"


def median_time(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def edit(source: Path, target: Path) -> Path:
    """A copy of the generated spec whose shared schema ``Thing0`` has no ``count``."""
    shutil.copytree(source, target)
    root = target / "openapi.yaml"
    document: Any = yaml.load(root.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    del document["components"]["schemas"]["Thing0"]["properties"]["count"]
    root.write_text(yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False), "utf-8")
    return root


def recordings(operations: tuple[Operation, ...], per_operation: int) -> list[Interaction]:
    thing = {"id": ID, "name": "a thing", "count": 3, "tags": ["x"], "ratio": 0.5}
    made: list[Interaction] = []
    for operation in operations:
        path = "/api" + operation.path.replace("{id}", ID)
        status = 201 if operation.method == "POST" else 200
        body = dict(thing) if operation.method in ("POST", "PUT", "PATCH") else None
        headers = {"content-type": "application/json"} if body is not None else {}
        for n in range(per_operation):
            consumer = f"consumer-{n % 2}"
            made.append(
                Interaction(
                    consumer=consumer,
                    consumer_version="1.0.0",
                    provider="big-service",
                    provider_version="1.0.0",
                    operation_id=operation.operation_id,
                    request=HttpRequest(
                        method=operation.method, path=path, headers=headers, body=body
                    ),
                    response=HttpResponse(
                        status=status,
                        headers={"content-type": "application/json"},
                        body=[thing]
                        if operation.method == "GET" and "{" not in operation.path
                        else thing,
                    ),
                    test_id=f"tests/test_{operation.operation_id}.py::test_{n}",
                    match=MatchContext(
                        operation_id=operation.operation_id, path_template=operation.path
                    ),
                )
            )
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operations", type=int, default=3000)
    parser.add_argument("--per-operation", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "old"
        source.mkdir()
        old = load_spec(generate(source, args.operations), validate=False)
        new = load_spec(edit(source, Path(folder) / "new"), validate=False)
    interactions = recordings(old.operations, args.per_operation)
    index = ImpactIndex.build(interactions)
    report = diff_specs(old, new)
    named = impact_of(report, old, new, index)
    everywhere = impact_of(report, old, new, index, everywhere=True)
    assert named.impacts, "the edit should break recorded readers of `count`"
    assert {i.interaction_id for i in named.impacts} == {
        i.interaction_id for i in everywhere.impacts
    }, "scoping to the report's operations must find the same impacts"

    build = median_time(lambda: ImpactIndex.build(interactions), args.runs)
    scoped = median_time(lambda: impact_of(report, old, new, index), args.runs)
    full = median_time(lambda: impact_of(report, old, new, index, everywhere=True), args.runs)
    diffing = median_time(lambda: diff_specs(old, new), args.runs)
    operations = len({c.location.operation_label() for c in report.changes})

    print(f"$ python -m tests.benchmarks.bench_impact {' '.join(argv or sys.argv[1:])}".rstrip())
    print(
        f"{len(old.operations)} operations, {len(interactions)} recorded interactions; "
        f"the edit: {len(report.changes)} changes on {operations} operations, "
        f"{len(named.impacts)} impacts ({len(named.consumers_broken)} consumers broken)"
    )
    print(f"ImpactIndex.build              {build * 1000:9.1f} ms (once per set of recordings)")
    print(f"impact_of, the report's ops    {scoped * 1000:9.1f} ms")
    print(f"baseline: impact_of everywhere {full * 1000:9.1f} ms   ratio {full / scoped:6.1f}x")
    share = scoped / diffing
    print(f"for scale: diff_specs          {diffing * 1000:9.1f} ms   impact/diff {share:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
