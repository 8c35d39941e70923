"""Which test is running: the attribution every recorded interaction carries.

The pytest plugin sets the test id and run id around each test; a mock serving in another
thread of the same process reads them when a request arrives. That is why this is a plain
thread-safe holder and not a ``ContextVar``: the server's event loop runs in its own thread
and would never see a context variable the test's thread set. Clients in other processes
(other languages) send the ``X-Entente-Test`` / ``X-Entente-Run`` headers instead, which take
precedence.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

# The attribution headers are the mock's (it reads them off the wire); named here too.
from entente_daemon.mock.recording import RUN_HEADER as RUN_HEADER
from entente_daemon.mock.recording import TEST_HEADER as TEST_HEADER

Attribution = tuple[str | None, str | None]  # (test_id, run_id)


class RecordingContext:
    """The current test id and run id. Reading is lock-free (one tuple, replaced whole);
    setting takes a lock so that concurrent updates of the two fields do not interleave."""

    __slots__ = ("_lock", "_state")

    def __init__(self, test_id: str | None = None, run_id: str | None = None) -> None:
        self._lock = threading.Lock()
        self._state: Attribution = (test_id, run_id)

    @property
    def test_id(self) -> str | None:
        return self._state[0]

    @property
    def run_id(self) -> str | None:
        return self._state[1]

    def current(self) -> Attribution:
        """``(test_id, run_id)`` as one consistent pair."""
        return self._state

    def set(self, test_id: str | None, run_id: str | None = None) -> None:
        with self._lock:
            self._state = (test_id, run_id)

    def set_run(self, run_id: str | None) -> None:
        """Start (or end, with None) a run; the test id is kept."""
        with self._lock:
            self._state = (self._state[0], run_id)

    def set_test(self, test_id: str | None) -> None:
        """Start (or end, with None) a test within the current run."""
        with self._lock:
            self._state = (test_id, self._state[1])

    def clear(self) -> None:
        self.set(None, None)

    def test(self, test_id: str, run_id: str | None = None) -> AbstractContextManager[None]:
        """``with context.test("tests/test_x.py::test_y"):`` attributes what is recorded in
        the block to that test (and ``run_id`` when given, else the current run), then
        restores what was there."""
        return self._scoped(test_id, run_id)

    @contextmanager
    def _scoped(self, test_id: str, run_id: str | None) -> Iterator[None]:
        with self._lock:
            previous = self._state
            self._state = (test_id, run_id if run_id is not None else previous[1])
        try:
            yield
        finally:
            with self._lock:
                self._state = previous


_default = RecordingContext()


def recording_context() -> RecordingContext:
    """The process-wide context that recorders read unless given their own."""
    return _default
