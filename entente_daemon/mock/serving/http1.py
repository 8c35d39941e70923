"""`MockProtocol`: HTTP/1.1 from the socket straight to the engine, one connection each.

Why not uvicorn: the engine answers synchronously, in tens of microseconds, yet an ASGI
server spends more than that around each answer (an asyncio task per request, message
dictionaries, awaits, header checks). Profiling put the server's share at two thirds of
the mock's time. Here httptools parses, and as soon as a request is complete the engine
answers it and the response goes out in one write, in the same callback: no task, no await.

What HTTP/1.1 asks of a server, as uvicorn does it: keep-alive (HTTP/1.0 only when asked
for), pipelined requests answered in order, chunked request bodies, ``Expect:
100-continue``, no body for ``HEAD`` (its ``Content-Length`` kept), a ``Date`` header,
``Connection: close`` when closing, a ``400`` for what cannot be parsed, and reading paused
while a client does not read its answers. Upgrade requests (websockets) are answered as
plain requests, then the connection is closed, as uvicorn does without websockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from email.utils import formatdate
from http import HTTPStatus
from time import perf_counter
from typing import TYPE_CHECKING

import httptools

from entente_daemon.mock.messages import MockRequest
from entente_daemon.mock.serving.app import MockApp, raw_path, read_headers

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_BAD_REQUEST = b"Invalid HTTP request received."
_STATUS_LINES: dict[int, bytes] = {}


def status_line(status: int) -> bytes:
    line = _STATUS_LINES.get(status)
    if line is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        line = _STATUS_LINES[status] = f"HTTP/1.1 {status} {phrase}\r\n".encode("latin-1")
    return line


class _Date:
    """The ``Date`` header line, made again once a second."""

    __slots__ = ("line", "second")

    def __init__(self) -> None:
        self.second = -1
        self.line = b""

    def get(self) -> bytes:
        now = int(time.time())
        if now != self.second:
            self.second = now
            self.line = b"date: " + formatdate(now, usegmt=True).encode("ascii") + b"\r\n"
        return self.line


class Connections:
    """The open connections of one server: for the idle sweep and the graceful stop."""

    def __init__(self, app: MockApp) -> None:
        self.app = app
        self.open: set[MockProtocol] = set()
        self.date = _Date()
        self.stopping = False
        self._changed: asyncio.Event | None = None

    def factory(self) -> Callable[[], MockProtocol]:
        return lambda: MockProtocol(self)

    def notify(self) -> None:
        """A request was answered or a connection closed (what a graceful stop waits for)."""
        if self.stopping and self._changed is not None:
            self._changed.set()

    async def changed(self, within: float) -> None:
        """Wait for `notify`, at most ``within`` seconds."""
        if self._changed is None:
            self._changed = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, within)):
                await self._changed.wait()
        self._changed.clear()


class MockProtocol(asyncio.Protocol):
    """One client connection (see the module docstring)."""

    def __init__(self, connections: Connections) -> None:
        self.connections = connections
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.receiving = False  # a request has begun and is not complete
        self.last_active = perf_counter()
        self.closing = False
        self._started = 0.0

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.connections.open.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.connections.open.discard(self)
        self.closing = True
        self.receiving = False
        self.transport = None
        self.connections.notify()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.close()  # answered as a plain request; no protocol to switch to
        except httptools.HttpParserError:
            log.warning("Invalid HTTP request received.")
            self._refuse()

    def eof_received(self) -> bool | None:
        return None  # the transport closes itself

    def pause_writing(self) -> None:
        """The client does not read its answers: stop reading its requests."""
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.closing:
            self.transport.resume_reading()

    # -- httptools callbacks -----------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.receiving = True
        self._started = perf_counter()
        self.url = b""
        self.headers = []
        self.body = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        transport = self.transport
        if transport is None:
            return
        for name, value in self.headers:
            if name == b"expect" and value.lower() == b"100-continue":
                transport.write(_CONTINUE)
                break

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.receiving = False
        if self.closing or self.transport is None:
            return
        connections = self.connections
        app = connections.app
        engine = app.engine  # the engine this request is answered by, whatever swaps come
        parser = self.parser
        url = httptools.parse_url(self.url)
        headers, test_id, run_id = read_headers(self.headers)
        method = parser.get_method().decode("ascii")
        query = url.query
        request = MockRequest(
            method,
            raw_path(url.path or b"/"),
            query.decode("latin-1") if query else "",
            headers,
            b"".join(self.body) if self.body else b"",
        )
        result = app.answer(engine, request)
        response = result.response
        keep_alive = parser.should_keep_alive() and not connections.stopping
        out = [status_line(response.status), connections.date.get()]
        for name, value in response.wire_headers:
            out += (name, b": ", value, b"\r\n")
        if not keep_alive:
            out.append(b"connection: close\r\n")
        out.append(b"\r\n")
        if response.has_body and method != "HEAD":
            out.append(response.body)
        self.transport.write(b"".join(out))
        if not keep_alive:
            self.close()
        now = perf_counter()
        self.last_active = now
        app.answered(request, result, now - self._started, test_id, run_id)
        if connections.stopping:
            connections.notify()

    # -- closing -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close once what was written is sent."""
        self.closing = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def _refuse(self) -> None:
        if self.transport is not None:
            self.transport.write(
                status_line(400)
                + b"content-type: text/plain; charset=utf-8\r\n"
                + b"content-length: %d\r\n" % len(_BAD_REQUEST)
                + b"connection: close\r\n\r\n"
                + _BAD_REQUEST
            )
        self.close()

    def idle_for(self, now: float) -> float:
        """Seconds since the last answer, or 0 while a request is being received."""
        return 0.0 if self.receiving else now - self.last_active
