"""Benchmark: how long after a spec file is saved the daemon's mock serves it.

Run from the repository root:

    python -m tests.benchmarks.bench_reload [--operations 3000] [--runs 5]

It starts a real daemon (in a temporary Entente home), attaches a consumer project whose
mock serves (a) the castle spec and (b) a generated spec of ``--operations`` operations
(`tests.benchmarks.bench_spec.generate`: two files, shared schemas), then ``--runs`` times
saves an edited spec (a new file renamed over the old) and measures the time until the
``spec.reloaded`` event arrives on the event stream (``GET /v1/events/stream``). The
baseline, in the same run: a bare ``load_spec`` of the same file (``validate=False``, as the
daemon loads it), so the figure to read is "reload latency / load time"; what is left is the
file watcher's debounce (it reports a burst of writes once it has been quiet for 50 ms),
the swap and the event's trip through the store and the stream.

Not collected by pytest (pyproject's addopts ignore tests/benchmarks).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from entente_daemon.client import DaemonClient
from entente_daemon.client.lifecycle import start_daemon, stop_daemon
from entente_daemon.client.sse import SseParser
from entente_daemon.openapi import load_spec
from tests.benchmarks.bench_spec import generate
from tests.daemon.castle_project import castle_project, free_port, write_atomically

Arrival = tuple[float, str, dict[str, object]]


class StreamReader:
    """Reads the daemon's event stream in a thread; spec events go to ``arrivals`` with the
    time they were read."""

    def __init__(self, socket: str) -> None:
        self.arrivals: queue.Queue[Arrival] = queue.Queue()
        self.ready = threading.Event()
        self._http = httpx.Client(
            transport=httpx.HTTPTransport(uds=socket),
            base_url="http://entente-daemon",
            timeout=None,
        )
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        parser = SseParser()
        try:
            with self._http.stream("GET", "/v1/events/stream") as stream:
                for line in stream.iter_lines():
                    message = parser.feed(line)
                    if message is None:
                        continue
                    if message.event == "ready":
                        self.ready.set()
                    elif message.event in ("spec.reloaded", "spec.error"):
                        payload = json.loads(message.data)["payload"]
                        self.arrivals.put((time.perf_counter(), message.event, payload))
        except httpx.HTTPError:
            pass  # closed at the end

    def close(self) -> None:
        self._http.close()

    def next_reload(self, timeout: float = 60.0) -> Arrival:
        arrival = self.arrivals.get(timeout=timeout)
        if arrival[1] != "spec.reloaded":
            raise RuntimeError(f"the reload failed: {arrival[2]}")
        return arrival


def measure(reader: StreamReader, spec: Path, title: str, runs: int) -> tuple[list[float], float]:
    """Latencies (save → event) in seconds, and the daemon's own reload_ms (median)."""
    text = spec.read_text(encoding="utf-8")
    assert f"title: {title}\n" in text, f"{spec} has no 'title: {title}' line"
    latencies: list[float] = []
    reported: list[float] = []
    for run in range(runs):
        edited = text.replace(f"title: {title}\n", f"title: {title} {run}\n", 1)
        write_atomically(spec, edited)
        saved = time.perf_counter()
        arrived, _, payload = reader.next_reload()
        latencies.append(arrived - saved)
        reported.append(float(str(payload["reload_ms"])))
    return latencies, statistics.median(reported)


def bare_load(spec: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        load_spec(spec, validate=False)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def generated_project(root: Path, operations: int) -> tuple[Path, Path]:
    service = root / "big-service"
    service.mkdir(parents=True)
    spec = generate(service, operations)
    client = root / "big-client"
    client.mkdir()
    config = client / "entente.toml"
    config.write_text(
        'service = "big-client"\nversion = "1.0.0"\n\n[[providers]]\nname = "big-service"\n'
        f'spec = "../big-service/openapi.yaml"\nport = {free_port()}\n',
        encoding="utf-8",
    )
    return config, spec


def wait_serving(client: DaemonClient, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while sum(1 for m in client.mocks() if m.url) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the mocks did not start: {client.mocks()}")
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operations", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        home = root / "home"
        os.environ["ENTENTE_HOME"] = str(home)
        castle = castle_project(root / "castle")
        big_config, big_spec = generated_project(root / "big", args.operations)
        info = start_daemon(home, timeout=60).info
        reader = StreamReader(info.socket)
        try:
            if not reader.ready.wait(30):
                raise RuntimeError("the event stream did not open")
            with DaemonClient.connect(home) as client:
                client.attach_project(castle.config)
                client.attach_project(big_config)
                wait_serving(client, 2)
            rows = []
            for label, spec, title in (
                ("castle (4 operations)", castle.spec, "Castle Service"),
                (f"generated ({args.operations} operations)", big_spec, "Benchmark"),
            ):
                latencies, reload_ms = measure(reader, spec, title, args.runs)
                load = bare_load(spec, args.runs)
                rows.append((label, statistics.median(latencies), max(latencies), reload_ms, load))
        finally:
            reader.close()
            stop_daemon(home, timeout=30, force=True)

    command = [sys.executable, "-m", "tests.benchmarks.bench_reload", *sys.argv[1:]]
    print(f"command: {' '.join(command)}")
    print(f"runs per spec: {args.runs}; times are medians (max in brackets)")
    print(
        f"{'spec':<30} {'save→event':>16} {'daemon reload':>14} {'bare load_spec':>15} {'ratio':>7}"
    )
    for label, median, worst, reload_ms, load in rows:
        print(
            f"{label:<30} {median * 1000:>8.1f} ms ({worst * 1000:.0f}) {reload_ms:>11.1f} ms "
            f"{load * 1000:>12.1f} ms {median / load:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
