"""Benchmark: how long after a provider spec is saved the daemon's ``spec.breaking_change``
event arrives, against the plain reload of the same spec in the same run.

Run from the repository root:

    python -m tests.benchmarks.bench_breaking_live [--operations 3000] [--runs 5]

It starts a real daemon (in a temporary Entente home), stores a recorded contract
interaction for each provider (so impact has a consumer to name), attaches a consumer
project whose mock serves (a) the castle spec and (b) a generated spec of ``--operations``
operations (`tests.benchmarks.bench_spec.generate`, about 1 MB for 3,000), then:

* the baseline: ``--runs`` saves that only change the title, timed from the save to the
  ``spec.reloaded`` event (the plain reload: watcher, parse, swap, event);
* ``--runs`` saves that break one operation (a response property removed from the castle
  spec; a response status removed from one operation of the generated spec), alternating
  with saves that undo it, timed from the save to the ``spec.breaking_change`` event (with
  changes, then the one that clears them).

Each save is an editor's: a new file renamed over the old, once the daemon is done with the
previous one (its mock reloaded). The figure to read is the save → alert latency and its
ratio to the plain reload. Not collected by pytest.
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
import yaml

from entente_daemon.client import DaemonClient
from entente_daemon.client.lifecycle import start_daemon, stop_daemon
from entente_daemon.client.sse import SseParser
from entente_daemon.model import HttpRequest, HttpResponse, Interaction, MatchContext
from tests.benchmarks.bench_reload import generated_project, wait_serving
from tests.daemon.castle_project import castle_project, write_atomically
from tests.daemon.test_breaking import get_castle, without_region

Arrival = tuple[float, str, dict[str, object]]
KINDS = ("spec.reloaded", "spec.error", "spec.breaking_change")


class Reader:
    """The daemon's event stream, read in a thread; spec events with their arrival time."""

    def __init__(self, socket: str) -> None:
        self.arrivals: queue.Queue[Arrival] = queue.Queue()
        self.ready = threading.Event()
        self.reloaded = False
        self._http = httpx.Client(
            transport=httpx.HTTPTransport(uds=socket),
            base_url="http://entente-daemon",
            timeout=None,
        )
        threading.Thread(target=self._run, daemon=True).start()

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
                    elif message.event in KINDS:
                        payload = json.loads(message.data)["payload"]
                        self.arrivals.put((time.perf_counter(), message.event, payload))
        except httpx.HTTPError:
            pass  # closed at the end

    def close(self) -> None:
        self._http.close()

    def drain(self) -> None:
        self.reloaded = False
        while not self.arrivals.empty():
            self.arrivals.get_nowait()

    def next_of(self, kind: str, spec: Path, timeout: float = 120.0) -> Arrival:
        """The next ``kind`` event of ``spec``; ``reloaded`` tells whether its
        ``spec.reloaded`` came on the way."""
        deadline = time.monotonic() + timeout
        while True:
            arrival = self.arrivals.get(timeout=max(deadline - time.monotonic(), 0.01))
            if arrival[1] == "spec.error":
                raise RuntimeError(f"the spec did not load: {arrival[2]}")
            if arrival[1] == "spec.reloaded" and arrival[2].get("spec") == str(spec):
                self.reloaded = True
            if arrival[1] == kind and arrival[2].get("spec") == str(spec):
                return arrival


def timed_saves(
    reader: Reader, spec: Path, texts: list[str], kind: str, changes: list[bool] | None = None
) -> list[float]:
    """Save each text in turn; the time from each save to its ``kind`` event. ``changes``:
    whether each breaking-change event must have changes (else clear them)."""
    latencies = []
    for n, text in enumerate(texts):
        reader.drain()
        write_atomically(spec, text)
        saved = time.perf_counter()
        arrived, _, payload = reader.next_of(kind, spec)
        if changes is not None and bool(payload.get("changes")) != changes[n]:
            raise RuntimeError(f"unexpected breaking-change event: {payload.get('message')}")
        latencies.append(arrived - saved)
        if kind != "spec.reloaded" and not reader.reloaded:
            # As a person saves: after the daemon is done with this save (the mock's
            # reload; the watcher hands a file's next change over once it is).
            reader.next_of("spec.reloaded", spec)
    return latencies


def big_interaction() -> Interaction:
    return Interaction(
        consumer="big-client",
        consumer_version="1.0.0",
        provider="big-service",
        provider_version="1.0.0",
        operation_id="list0",
        request=HttpRequest(method="GET", path="/api/svc0/res0"),
        response=HttpResponse(status=200, body={"id": "x", "name": "n"}),
        test_id="tests/test_big.py::test_list",
        run_id="r",
        match=MatchContext(operation_id="list0", path_template="/svc0/res0"),
    )


def big_broken(text: str) -> str:
    """The generated spec with list0's 200 response removed (a success status removed)."""
    document = yaml.safe_load(text)
    responses = document["paths"]["/svc0/res0"]["get"]["responses"]
    del responses["200"]
    responses["204"] = {"description": "nothing"}
    return yaml.safe_dump(document, sort_keys=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operations", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    runs = max(2, args.runs + args.runs % 2)  # even: each break is undone

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        home = root / "home"
        os.environ["ENTENTE_HOME"] = str(home)
        castle = castle_project(root / "castle")
        big_config, big_spec = generated_project(root / "big", args.operations)
        # The generated spec as the daemon will read it: one YAML dump, so that the edits
        # below change only what they mean to.
        big_text = yaml.safe_dump(yaml.safe_load(big_spec.read_text()), sort_keys=False)
        big_spec.write_text(big_text, encoding="utf-8")
        size = sum(f.stat().st_size for f in big_spec.parent.iterdir())
        info = start_daemon(home, timeout=60).info
        reader = Reader(info.socket)
        rows = []
        try:
            if not reader.ready.wait(30):
                raise RuntimeError("the event stream did not open")
            with DaemonClient.connect(home) as client:
                client.upload_interactions([get_castle(), big_interaction()])
                client.attach_project(castle.config)
                client.attach_project(big_config)
                wait_serving(client, 2)
            castle_text = castle.spec.read_text(encoding="utf-8")
            for label, spec, text, broken, title in (
                (
                    "castle (4 operations)",
                    castle.spec,
                    castle_text,
                    without_region(castle_text),
                    "Castle Service",
                ),
                (
                    f"generated ({args.operations} ops, {size / 1e6:.1f} MB)",
                    big_spec,
                    big_text,
                    big_broken(big_text),
                    "Benchmark",
                ),
            ):
                retitled = [
                    text.replace(f"title: {title}\n", f"title: {title} {n}\n", 1)
                    for n in range(runs)
                ]
                assert all(r != text for r in retitled), f"no 'title: {title}' line in {spec}"
                reloads = timed_saves(reader, spec, [*retitled, text], "spec.reloaded")[:runs]
                alternating = [broken if n % 2 == 0 else text for n in range(runs)]
                expected = [n % 2 == 0 for n in range(runs)]
                alerts = timed_saves(reader, spec, alternating, "spec.breaking_change", expected)
                rows.append(
                    (label, statistics.median(reloads), statistics.median(alerts), max(alerts))
                )
        finally:
            reader.close()
            stop_daemon(home, timeout=30, force=True)

    command = [sys.executable, "-m", "tests.benchmarks.bench_breaking_live", *sys.argv[1:]]
    print(f"command: {' '.join(command)}")
    print(f"saves per spec: {runs} (half break, half undo); times are medians (max in brackets)")
    print(f"{'spec':<34} {'plain reload':>13} {'save→alert':>18} {'ratio':>7}")
    for label, reload, alert, worst in rows:
        print(
            f"{label:<34} {reload * 1000:>10.1f} ms {alert * 1000:>9.1f} ms ({worst * 1000:.0f})"
            f" {alert / reload:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
