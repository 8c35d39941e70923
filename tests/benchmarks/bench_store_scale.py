"""Issue 13, item 11: a store that stays small and fast, at 10,000 to 1,000,000 interactions.

    python -m tests.benchmarks.bench_store_scale [--sizes 10000,100000] [--base 3f86533]
        [--load 20000] [--skip-mock]

For each size N it writes N distinct ~1 KB interactions straight into a store (a fast bulk
path: the snapshot file, in the layout every version reads; 20 per bucket, so the bound per
bucket keeps them all), lets that tree's code open it once as the writer (this tree then
migrates it to its own layout in the background and makes the interactions' rows; the
script waits for both), and measures, each in a fresh process of that tree:

* ``Store.open`` (read-only) and the peak RSS of the process that opened it;
* ``Store.open`` plus the newest page of interactions (what reading them costs, lazily);
* the daemon's start, until ``GET /v1/status`` answers, its RSS then, the first filtered
  list (``GET /v1/interactions?provider=...``) and the daemon's peak RSS after it;
* ``entente mock SPEC`` (no daemon), from its start until its first answer.

Every figure is given against the same figure on an empty store (``×empty``) and, with
``--base REV``, against the same measurement of the code at ``REV`` (extracted with ``git
archive``; ``×base``), in the same run. ``--load M`` then sends M distinct requests through
``entente mock`` recording into a running daemon and reports what the store kept, what it
sampled, and the daemon's memory and restart time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "castle-service" / "openapi.yaml"
PROVIDER = "castle-service"
PER_BUCKET = 20
STATUS_TIMEOUT = 300.0  # seconds; a filtered list slower than that is reported as "inf"

OPEN_SCRIPT = """
import pathlib, sys, time
def vm(field):
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
from entente_daemon.store import Store
t = time.perf_counter()
store = Store.open(sys.argv[1], readonly=True)
opened = time.perf_counter() - t
rss = vm("VmHWM")
count = store.interactions.count()
page = len(store.interactions.list(limit=50, offset=max(count - 50, 0)))
paged = time.perf_counter() - t
store.close()
print(f"{opened} {paged} {rss} {vm('VmHWM')} {count} {page}")
"""

PREPARE_SCRIPT = """
import sys, time
from entente_daemon.store import Store
t = time.perf_counter()
with Store.open(sys.argv[1]) as store:
    opened = time.perf_counter() - t
    store.interactions.count()
    engine = store._engine
    while getattr(engine, "migrating", False):  # this tree migrates in the background
        time.sleep(0.05)
    if hasattr(store.interactions, "rows"):
        store.interactions.rows()  # a store written before rows has them made once
print(opened, time.perf_counter() - t)
"""


# -- the bulk path ---------------------------------------------------------------------------


def documents(count: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """``count`` distinct ~1 KB interaction documents, ``PER_BUCKET`` per bucket."""
    body = {"id": 0, "name": "", "towers": [1, 2, 3], "moat": "x" * 400, "keep": {"floors": 4}}
    for n in range(count):
        bucket = n // PER_BUCKET
        doc_id = f"{n:032x}"
        yield (
            doc_id,
            {
                "id": doc_id,
                "content_hash": f"{n:064x}",
                "consumer": "castle-client",
                "consumer_version": "1.0.0",
                "provider": PROVIDER,
                "provider_version": "2.0.0",
                "environment": "local",
                "operation_id": f"operation{bucket}",
                "provider_state": None,
                "request": {
                    "method": "GET",
                    "path": f"/castles/{n}",
                    "query": {},
                    "headers": {"accept": "application/json", "user-agent": "bench/1.0"},
                    "body": None,
                },
                "response": {
                    "status": 200,
                    "headers": {"content-type": "application/json"},
                    "body": {**body, "id": n, "name": f"castle {n}"},
                },
                "duration_ms": 1.5,
                "timestamp": "2026-01-02T03:04:05.000000Z",
                "last_seen": None,
                "count": 1,
                "test_id": f"tests/test_castles.py::test_{bucket % 5000}",
                "run_id": "run-1",
                "match": {"operation_id": f"operation{bucket}", "source": "example", "reasons": []},
                "promoted": False,
            },
        )


def write_bulk_store(directory: Path, count: int) -> int:
    """A snapshot holding ``count`` interactions, in the layout every version reads (format
    1: the tables inline); its size."""
    directory.mkdir(parents=True, exist_ok=True)
    meta = {"format": 1, "seq": 0, "generation": 1}
    with open(directory / "store.json", "wb") as out:
        out.write(b'{"_entente_store":' + json.dumps(meta).encode() + b',"interactions":{')
        for n, (doc_id, doc) in enumerate(documents(count)):
            out.write((b"," if n else b"") + json.dumps(doc_id).encode() + b":")
            out.write(json.dumps(doc, separators=(",", ":")).encode())
        out.write(b"}}")
    return (directory / "store.json").stat().st_size


# -- one tree's measurements -------------------------------------------------------------------


@dataclass
class Figures:
    open_s: float = 0.0
    open_rss_mb: float = 0.0
    open_page_s: float = 0.0
    open_page_rss_mb: float = 0.0
    daemon_start_s: float = 0.0
    daemon_rss_mb: float = 0.0
    filtered_list_s: float = 0.0
    daemon_peak_mb: float = 0.0
    mock_first_answer_s: float = 0.0
    writer_open_s: float = 0.0
    prepare_s: float = 0.0
    bulk_mb: float = 0.0


def env_for(tree: Path, home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "ENTENTE_HOME": str(home)}


def child(tree: Path, home: Path, *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=home.parent,
        env=env_for(tree, home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(args)} failed ({tree}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def vm(pid: int, field: str) -> float:
    """A /proc/PID/status figure (VmRSS, VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def socket_client(home: Path) -> httpx.Client:
    return httpx.Client(
        transport=httpx.HTTPTransport(uds=str(home / "run" / "daemon.sock")),
        base_url="http://entente-daemon",
        timeout=STATUS_TIMEOUT,
    )


def wait_for_status(home: Path, proc: subprocess.Popen[bytes], started: float) -> dict[str, Any]:
    with socket_client(home) as http:
        while time.perf_counter() - started < STATUS_TIMEOUT:
            if proc.poll() is not None:
                raise SystemExit(f"the daemon exited ({proc.returncode}) before answering")
            try:
                answer = http.get("/v1/status")
                if answer.status_code == 200:
                    status: dict[str, Any] = answer.json()
                    return status
            except httpx.TransportError:
                pass
            time.sleep(0.01)
    raise SystemExit(f"the daemon did not answer within {STATUS_TIMEOUT}s")


def start_daemon(tree: Path, home: Path) -> tuple[subprocess.Popen[bytes], float, dict[str, Any]]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "entente_daemon.cli.daemon_main", "run"],
        cwd=home.parent,
        env=env_for(tree, home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    status = wait_for_status(home, proc, started)
    return proc, time.perf_counter() - started, status


def stop_daemon(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def measure_daemon(tree: Path, home: Path, figures: Figures) -> None:
    proc, took, _ = start_daemon(tree, home)
    try:
        figures.daemon_start_s = took
        figures.daemon_rss_mb = vm(proc.pid, "VmRSS")
        with socket_client(home) as http:
            t = time.perf_counter()
            try:
                answer = http.get("/v1/interactions", params={"provider": PROVIDER, "limit": 50})
                answer.raise_for_status()
                figures.filtered_list_s = time.perf_counter() - t
            except httpx.TimeoutException:
                figures.filtered_list_s = float("inf")  # gave up waiting
        figures.daemon_peak_mb = vm(proc.pid, "VmHWM")
    finally:
        stop_daemon(proc)


URL = re.compile(rb"http://127\.0\.0\.1:(\d+)")


def mock_first_answer(tree: Path, home: Path) -> float:
    """From starting ``entente mock SPEC --port 0`` to its first answer."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "entente_daemon.cli", "mock", str(SPEC), "--port", "0"],
        cwd=home.parent,
        env=env_for(tree, home),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        port = None
        while port is None:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("entente mock exited before listening")
            found = URL.search(line)
            port = int(found.group(1)) if found else None
        httpx.get(f"http://127.0.0.1:{port}/castles/1", timeout=60)
        return time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def measure(tree: Path, work: Path, count: int, *, mock: bool) -> Figures:
    home = work / f"home-{count}"
    if home.exists():
        shutil.rmtree(home)
    store = home / "store"
    figures = Figures()
    if count:
        figures.bulk_mb = write_bulk_store(store, count) / 1e6
    else:
        store.mkdir(parents=True)
    writer_open, prepared = child(tree, home, "-c", PREPARE_SCRIPT, str(store)).split()
    figures.writer_open_s, figures.prepare_s = float(writer_open), float(prepared)
    opened, paged, rss, peak, stored, _ = child(tree, home, "-c", OPEN_SCRIPT, str(store)).split()
    assert int(stored) == count, f"{stored} stored, {count} written"
    figures.open_s, figures.open_page_s = float(opened), float(paged)
    figures.open_rss_mb, figures.open_page_rss_mb = float(rss), float(peak)
    measure_daemon(tree, home, figures)
    if mock:
        figures.mock_first_answer_s = mock_first_answer(tree, home)
    shutil.rmtree(home)
    return figures


# -- the load test -------------------------------------------------------------------------------


def load_test(tree: Path, work: Path, requests: int) -> None:
    home = work / "home-load"
    (home / "store").mkdir(parents=True)
    proc, _, _ = start_daemon(tree, home)
    try:
        mock = subprocess.Popen(
            [sys.executable, "-m", "entente_daemon.cli", "mock", str(SPEC), "--port", "0"],
            cwd=home.parent,
            env=env_for(tree, home),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert mock.stdout is not None
        port = None
        while port is None:
            found = URL.search(mock.stdout.readline() or b"!")
            port = int(found.group(1)) if found else None
        t = time.perf_counter()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for n in range(requests):
                http.get(f"/castles/{n}")
        sent = time.perf_counter() - t
        mock.send_signal(2)  # Ctrl-C: it hands what it recorded to the daemon
        mock.wait(timeout=300)
        with socket_client(home) as daemon:
            status = daemon.get("/v1/status").json()
            stats = daemon.get("/v1/store/stats").json()
        rss = vm(proc.pid, "VmHWM")
    finally:
        stop_daemon(proc)
    restarted, took, _ = start_daemon(tree, home)
    stop_daemon(restarted)
    kept = stats["tables"]["interactions"]
    sampled = sum(stats["sampled"].values())
    print(
        f"load: {requests} distinct requests through entente mock in {sent:.1f} s; "
        f"the store kept {kept} interaction(s), sampled {sampled} (not kept); "
        f"status store.sampled={status['store'].get('sampled')}; "
        f"store {stats['bytes'] / 1e6:.2f} MB on disk; daemon peak RSS {rss:.0f} MB; "
        f"restart {took:.2f} s"
    )
    shutil.rmtree(home)


# -- the run ---------------------------------------------------------------------------------------


def extract(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev],
        capture_output=True,
        check=True,
    ).stdout
    tar_path = into / "base.tar"
    tar_path.write_bytes(archive)
    tree = into / f"tree-{rev}"
    with tarfile.open(tar_path) as tar:
        tar.extractall(tree, filter="data")
    return tree


ROWS = (
    ("Store.open (read-only)", "open_s", "s"),
    ("  peak RSS of that process", "open_rss_mb", "MB"),
    ("Store.open + newest page of interactions", "open_page_s", "s"),
    ("  peak RSS of that process", "open_page_rss_mb", "MB"),
    ("daemon start, until GET /v1/status answers", "daemon_start_s", "s"),
    ("  daemon RSS then", "daemon_rss_mb", "MB"),
    ("first filtered list (provider=...)", "filtered_list_s", "s"),
    ("  daemon peak RSS after it", "daemon_peak_mb", "MB"),
    ("entente mock, start to first answer", "mock_first_answer_s", "s"),
    ("first writer open of the old layout", "writer_open_s", "s"),
    ("  until migrated, rows made, closed", "prepare_s", "s"),
)


def report(count: int, ours: Figures, empty: Figures, base: Figures | None) -> None:
    print(f"\n{count:,} stored interactions")
    for label, name, unit in ROWS:
        value, zero = getattr(ours, name), getattr(empty, name)
        line = f"  {label:<46} {value:9.3f} {unit:<2}  ×empty {value / zero if zero else 0:7.2f}"
        if base is not None:
            old = getattr(base, name)
            line += f"   base {old:9.3f} {unit:<2} ×base {value / old if old else 0:6.3f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--base", default=None, help="a revision to compare with (3f86533)")
    parser.add_argument("--load", type=int, default=0, help="distinct requests via a mock")
    parser.add_argument("--skip-mock", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"$ python -m tests.benchmarks.bench_store_scale {shlex.join(sys.argv[1:])}")
    print(f"python {platform.python_version()}, {os.cpu_count()} cpu(s), {platform.platform()}")
    with tempfile.TemporaryDirectory(prefix="entente-scale-") as tmp:
        work = Path(tmp)
        base_tree = extract(args.base, work) if args.base else None
        mock = not args.skip_mock
        empty = measure(ROOT, work, 0, mock=mock)
        base_empty = measure(base_tree, work, 0, mock=mock) if base_tree else None
        report(0, empty, empty, base_empty)
        for count in sizes:
            ours = measure(ROOT, work, count, mock=mock)
            print(f"\n(bulk snapshot for {count:,}: {ours.bulk_mb:.1f} MB of JSON)")
            report(count, ours, empty, None)  # printed now: the base may take long
            base = measure(base_tree, work, count, mock=mock) if base_tree else None
            report(count, ours, empty, base)
        if args.load:
            print()
            load_test(ROOT, work, args.load)


if __name__ == "__main__":
    main()
