"""`DirectServer`: a `MockApp` served by `MockProtocol` (`entente_daemon.mock.serving.http1`) on an
event loop of its own, in the thread that calls `run`.

``run`` starts the app (its recorder), listens on a socket bound beforehand, and serves
until `stop` (thread-safe), or SIGINT/SIGTERM when it handles signals. Stopping is
graceful: no new connection is accepted, idle connections are closed, a request being
received gets `GRACEFUL_SECONDS` to arrive and be answered, then the app is closed (the
recorder writes what is left) and ``run`` returns. Connections idle for `KEEP_ALIVE_SECONDS`
are closed, as uvicorn does; a request not received whole within the app's
``limits.request_timeout`` is answered 408 and its connection closed (a slow sender, which
would otherwise hold its connection forever).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from time import perf_counter

from entente_daemon.mock.serving import refusals
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.http1 import Connections

KEEP_ALIVE_SECONDS = 5.0
GRACEFUL_SECONDS = 5.0
BACKLOG = 2048


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop when installed (quicker), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class DirectServer:
    """Serves ``app`` on the listening socket ``sock`` (see the module docstring)."""

    def __init__(self, app: MockApp, sock: socket.socket) -> None:
        self.app = app
        self.sock = sock
        self.serving = threading.Event()  # set once it serves, or has failed to start
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stop_asked = False
        self._lock = threading.Lock()

    def run(self, *, handle_signals: bool = False) -> None:
        """Serve until stopped; closes the app before returning. Raises what kept it from
        starting (`serving` is set then too)."""
        loop = new_loop()
        try:
            loop.run_until_complete(self._serve(loop, handle_signals))
        finally:
            self.serving.set()
            try:
                self.app.close()
            finally:
                loop.close()

    def stop(self) -> None:
        """Ask for a graceful stop, from any thread; `run` returns once done."""
        with self._lock:
            self._stop_asked = True
            loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(stop.set)

    async def _serve(self, loop: asyncio.AbstractEventLoop, handle_signals: bool) -> None:
        stop = asyncio.Event()
        with self._lock:
            self._loop, self._stop = loop, stop
            if self._stop_asked:
                stop.set()
        connections = Connections(self.app)
        try:
            self.app.start()
            server = await loop.create_server(
                connections.factory(), sock=self.sock, backlog=BACKLOG
            )
        except BaseException as exc:
            self.error = exc
            raise
        if handle_signals:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
        self.serving.set()
        sweeper = loop.create_task(_sweep(connections))
        try:
            await stop.wait()
        finally:
            sweeper.cancel()
            if handle_signals:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(signum)
            server.close()
            await _drain(connections)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])


async def _sweep(connections: Connections) -> None:
    """Close connections idle for `KEEP_ALIVE_SECONDS`, and refuse (408) requests taking
    longer than ``request_timeout`` to arrive (each looked at at least twice as often)."""
    limits = connections.limits
    refusal = refusals.too_slow(limits)
    period = min(1.0, KEEP_ALIVE_SECONDS / 2, limits.request_timeout / 4)
    while True:
        await asyncio.sleep(period)
        now = perf_counter()
        for connection in list(connections.open):
            if connection.timed_out(now):
                connection.refuse(refusal)
            elif connection.idle_for(now) >= KEEP_ALIVE_SECONDS:
                connection.close()


async def _drain(connections: Connections) -> None:
    """The graceful part of stopping: idle connections closed now, the others once their
    request is answered or `GRACEFUL_SECONDS` have passed."""
    connections.stopping = True  # answers from now on close their connection
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GRACEFUL_SECONDS
    while True:
        busy = [c for c in connections.open if c.receiving]
        for connection in list(connections.open):
            if not connection.receiving:
                connection.close()
        if not busy or loop.time() >= deadline:
            break
        await connections.changed(min(0.25, deadline - loop.time()))
    for connection in list(connections.open):
        connection.close()
    await asyncio.sleep(0)  # let the transports run their closing callbacks
