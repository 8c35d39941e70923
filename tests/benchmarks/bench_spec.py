"""Benchmark: loading a large spec and matching requests against it.

Run from the repository root:

    python -m tests.benchmarks.bench_spec [--operations 3000] [--runs 3] [--matches 200000]

It writes a generated spec (operations over a third as many paths, shared component schemas,
half of them in a second file) to a temporary directory and measures, in the same run:

* ``load_spec`` (with and without openapi-spec-validator), median of ``--runs``;
* the baseline: prance's ``ResolvingParser`` (its default validation backend) on the same
  file, median of ``--runs``;
* matching throughput of ``Spec.match`` over a mix of paths (hits, 404s, 405s), against a
  naive matcher that tries one compiled regex per operation in turn.

Not collected by pytest (pyproject's addopts ignore tests/benchmarks).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from entente_daemon.openapi import load_spec
from entente_daemon.openapi.matcher import split_path

METHODS_COLLECTION = ("get", "post")
METHODS_ITEM = ("get", "put", "patch", "delete")


def generate(directory: Path, operations: int) -> Path:
    """Write the spec; return the root file. Six operations per resource (two paths)."""
    resources = max(1, operations // 6)
    shared = 100
    local_schemas: dict[str, Any] = {}
    other_schemas: dict[str, Any] = {}
    for k in range(shared):
        schema: dict[str, Any] = {
            "type": "object",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "count": {"type": "integer", "minimum": 0},
                "tags": {"type": "array", "items": {"type": "string"}},
                "ratio": {"type": "number"},
            },
        }
        if k % 2:
            # in the second file, with a ref within that file and one back to the root
            if k >= 3:
                schema["properties"]["owner"] = {"$ref": f"#/Thing{k - 2}"}
            schema["properties"]["parent"] = {"$ref": "openapi.yaml#/components/schemas/Error"}
            other_schemas[f"Thing{k}"] = schema
        else:
            schema["properties"]["parent"] = {"$ref": "#/components/schemas/Error"}
            local_schemas[f"Thing{k}"] = schema
    local_schemas["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    }

    def schema_ref(k: int) -> dict[str, str]:
        if k % 2:
            return {"$ref": f"schemas.yaml#/Thing{k}"}
        return {"$ref": f"#/components/schemas/Thing{k}"}

    def response(k: int, status: str) -> dict[str, Any]:
        return {
            status: {
                "description": "ok",
                "content": {"application/json": {"schema": schema_ref(k)}},
            },
            "404": {"$ref": "#/components/responses/NotFound"},
        }

    paths: dict[str, Any] = {}
    for i in range(resources):
        k = i % shared
        group = f"/svc{i % 10}"
        collection = f"{group}/res{i}"
        paths[collection] = {
            "get": {
                "operationId": f"list{i}",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": response(k, "200"),
            },
            "post": {
                "operationId": f"create{i}",
                "requestBody": {"content": {"application/json": {"schema": schema_ref(k)}}},
                "responses": response(k, "201"),
            },
        }
        item: dict[str, Any] = {"parameters": [{"$ref": "#/components/parameters/Id"}]}
        for method in METHODS_ITEM:
            item[method] = {"operationId": f"{method}{i}", "responses": response(k, "200")}
        paths[f"{collection}/{{id}}"] = item
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Benchmark", "version": "1.0.0"},
        "servers": [{"url": "/api"}],
        "paths": paths,
        "components": {
            "schemas": local_schemas,
            "parameters": {
                "Id": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            },
            "responses": {
                "NotFound": {
                    "description": "not found",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
        },
    }
    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    root = directory / "openapi.yaml"
    root.write_text(yaml.dump(document, Dumper=dumper, sort_keys=False), encoding="utf-8")
    (directory / "schemas.yaml").write_text(
        yaml.dump(other_schemas, Dumper=dumper, sort_keys=False), encoding="utf-8"
    )
    return root


def median_time(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class NaiveMatcher:
    """The baseline: one anchored regex per (base + template), tried in document order."""

    def __init__(self, routes: list[tuple[str, str]]) -> None:
        self.routes = [
            (method, re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(t)) + "/?$"))
            for method, t in routes
        ]

    def match(self, method: str, path: str) -> tuple[str, tuple[str, ...]] | None:
        for route_method, regex in self.routes:
            found = regex.match(path)
            if found and route_method == method:
                return route_method, found.groups()
        return None


def request_mix(spec: Any, count: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    operations = spec.operations
    mix: list[tuple[str, str]] = []
    for n in range(count):
        op = operations[rng.randrange(len(operations))]
        path = "/api" + op.path.replace("{id}", f"{rng.randrange(10**6):x}")
        if n % 10 == 8:
            path = path.replace("/res", "/nores")  # 404
            mix.append((op.method, path))
        elif n % 10 == 9:
            mix.append(("OPTIONS", path))  # 405
        else:
            mix.append((op.method, path))
    return mix


def throughput(match: Callable[[str, str], object], mix: list[tuple[str, str]]) -> float:
    start = time.perf_counter()
    for method, path in mix:
        match(method, path)
    return len(mix) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--operations", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--matches", type=int, default=200_000)
    parser.add_argument("--naive-matches", type=int, default=5_000)
    parser.add_argument("--skip-prance", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="entente-bench-") as tmp:
        root = generate(Path(tmp), args.operations)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        spec = load_spec(root)
        print(
            f"spec: {len(spec.operations)} operations, "
            f"{len(spec.document['paths'])} paths, {len(spec.files)} files, "
            f"{size / 1e6:.1f} MB, {len(spec.warnings)} warnings"
        )

        t_load = median_time(lambda: load_spec(root), args.runs)
        t_load_nv = median_time(lambda: load_spec(root, validate=False), args.runs)
        print(f"load_spec (validate=True):   {t_load * 1000:9.1f} ms  (median of {args.runs})")
        print(f"load_spec (validate=False):  {t_load_nv * 1000:9.1f} ms")

        if not args.skip_prance:
            import warnings

            from prance import ResolvingParser

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_prance = median_time(lambda: ResolvingParser(str(root)), args.runs)
            print(f"prance ResolvingParser:      {t_prance * 1000:9.1f} ms  (default backend)")
            print(f"  ratio prance / load_spec(validate=True):  {t_prance / t_load:6.2f}x")
            print(f"  ratio prance / load_spec(validate=False): {t_prance / t_load_nv:6.2f}x")

        mix = request_mix(spec, args.matches)
        rate = throughput(spec.match, mix)
        naive = NaiveMatcher(
            [
                (op.method, base + op.path)
                for op in spec.operations
                for s in op.servers
                for base in s.base_paths
            ]
        )
        naive_mix = mix[: args.naive_matches]
        naive_rate = throughput(naive.match, naive_mix)
        split_rate = throughput(lambda m, p: split_path(p), mix)
        print(
            f"Spec.match:                  {rate:12,.0f} matches/s "
            f"({1e6 / rate:.2f} µs each; path splitting alone {1e6 / split_rate:.2f} µs)"
        )
        print(
            f"naive linear regex matcher:  {naive_rate:12,.0f} matches/s "
            f"({1e6 / naive_rate:.1f} µs each, {len(naive_mix):,} requests)"
        )
        print(f"  ratio Spec.match / naive: {rate / naive_rate:8.0f}x")
    print("command: python -m tests.benchmarks.bench_spec " + " ".join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
