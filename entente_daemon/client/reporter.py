"""Sending a test run's events to the daemon from a background thread, so that tests never
wait on it: events are queued, sent in order, and the queue is flushed (within a deadline)
when the run ends. The first failure ends the reporting; `close` says what it was."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from .errors import DaemonError
from .sync import DaemonClient

Job = Callable[[DaemonClient], Any]
_STOP = object()


class BackgroundReporter:
    def __init__(self, client: DaemonClient) -> None:
        self._client = client
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._work, name="entente-reporter", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        """Run ``job(client)`` in the background (dropped once reporting failed)."""
        if self.error is None:
            self._queue.put(job)

    def event(self, kind: str, run_id: str, project: str, **fields: Any) -> None:
        self.submit(lambda client: client.report_test_event(kind, run_id, project, **fields))

    def close(self, timeout: float = 5.0) -> str | None:
        """Send what is queued (for at most ``timeout`` seconds), stop; the error, if any."""
        self._queue.put(_STOP)
        deadline = time.monotonic() + timeout
        self._thread.join(max(deadline - time.monotonic(), 0.0))
        if self._thread.is_alive() and self.error is None:
            self.error = f"the Entente daemon did not take the test events within {timeout:g}s"
        else:
            self._client.close()
        return self.error

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is _STOP:
                return
            if self.error is not None:
                continue
            try:
                job(self._client)  # type: ignore[operator]
            except DaemonError as exc:
                self.error = str(exc)
            except Exception as exc:  # never let reporting break a test session
                self.error = f"{exc.__class__.__name__}: {exc}"
