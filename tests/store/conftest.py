"""Shared helpers of the store tests: sample records and a line-reading subprocess."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from entente_daemon.model import HttpRequest, HttpResponse, Interaction

WORKER = Path(__file__).with_name("store_worker.py")


def interaction(n: int, **fields: object) -> Interaction:
    """A sample interaction, each ``n`` in its own bucket (its own operation), so that the
    store's bound per bucket (`store.bounds`) keeps them all."""
    values: dict[str, object] = {
        "operation_id": f"getCastle{n}",
        "consumer": "castle-client",
        "consumer_version": "1.0.0",
        "provider": "castle-service",
        "provider_version": "2.0.0",
        "request": HttpRequest(method="GET", path=f"/castles/{n}"),
        "response": HttpResponse(status=200, body={"id": n, "towers": [1, 2, 3]}),
    }
    values.update(fields)
    return Interaction.model_validate(values)


class Worker:
    """``store_worker.py`` in a subprocess; its stdout lines collected by a thread."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[list[str]], bool], timeout: float = 30.0) -> None:
        """Wait until ``predicate(lines)`` holds; fail with the worker's stderr if it dies."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    break
                self._changed.wait(min(left, 0.5))
            if predicate(self.lines):
                return
        pytest.fail(f"worker never got there; exit {self.proc.poll()}; stderr:\n{self.stderr()}")

    def finish(self) -> None:
        """Wait for the process to end and for its output to be read."""
        self.proc.wait(timeout=60)
        self._reader.join(timeout=60)

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return "(still running)"
        return self.proc.stderr.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.finish()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def worker() -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(*args: str) -> Worker:
        started.append(Worker(*args))
        return started[-1]

    yield start
    for each in started:
        each.close()
