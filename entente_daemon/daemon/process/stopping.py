"""The stop deadline: once a stop signal arrives the process ends within ``deadline``
seconds, whether or not its graceful shutdown has finished.

A graceful stop can hang: a service that never returns from ``stop()``, a worker thread
stuck in a long computation, a loop that never gets back to its signal handler. So the
first stop signal arms a watchdog (`faulthandler.dump_traceback_later`) that runs in a C
thread of its own and needs neither the event loop nor the GIL: when the deadline passes it
writes every thread's stack to the daemon's log (what was stuck) and ends the process with
exit code 1. A clean stop before then cancels it. A second stop signal ends the process at
once. The handlers are plain `signal.signal` ones, run by the main thread between two
bytecodes, so the deadline is armed even while the event loop is busy.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType
from typing import IO, Any

log = logging.getLogger("entente.daemon")

#: Seconds between a stop signal and the end of the process, at the latest.
DEFAULT_STOP_DEADLINE = 10.0


class StopDeadline:
    """Arms the watchdog on the first stop signal; ``stop`` is then called (from the signal
    handler: it must only schedule the stop, e.g. with ``loop.call_soon_threadsafe``)."""

    def __init__(self, deadline: float, dump_to: Path | None = None) -> None:
        self.deadline = deadline
        self._dump_to = dump_to
        self._file: IO[str] | None = None
        self._armed = False
        self._previous: dict[int, Any] = {}

    @property
    def armed(self) -> bool:
        return self._armed

    def install(self, signals: Iterable[signal.Signals], stop: Callable[[str], object]) -> None:
        """Handle ``signals`` (in the main thread): arm the deadline, then ``stop(name)``."""

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            if self._armed:
                log.warning("%s again while stopping: ending the process now", name)
                logging.shutdown()
                os._exit(1)
            self.arm(name)
            stop(name)

        for sig in signals:
            self._previous[sig] = signal.signal(sig, on_signal)

    def uninstall(self) -> None:
        """Put back the handlers there were before `install`."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def arm(self, reason: str) -> None:
        if self._armed:
            return
        self._armed = True
        log.info(
            "stopping (%s); the process ends in %g s if the shutdown has not finished by then",
            reason,
            self.deadline,
        )
        if self._dump_to is not None:
            try:
                self._file = open(self._dump_to, "a", encoding="utf-8")  # noqa: SIM115
            except OSError:
                self._file = None
        if self._file is not None:
            faulthandler.dump_traceback_later(self.deadline, exit=True, file=self._file)
        else:
            faulthandler.dump_traceback_later(self.deadline, exit=True)

    def cancel(self) -> None:
        """The shutdown finished in time: no watchdog any more."""
        if self._armed:
            faulthandler.cancel_dump_traceback_later()
        if self._file is not None:
            self._file.close()
            self._file = None
