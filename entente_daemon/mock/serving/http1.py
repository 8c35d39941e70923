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

The app's `ServerLimits` hold for each connection: a request head (request line and
headers) longer than ``max_header_bytes`` or with more than ``max_headers`` lines gets 431,
counted as the bytes arrive (an endless header is refused, not buffered); a body larger
than ``max_body_bytes`` gets 413 (from ``Content-Length`` before it is read, else as it
arrives, chunked too); a request not whole ``request_timeout`` seconds after its first byte
gets 408 (`DirectServer`'s sweep); past ``max_connections`` open connections the oldest
idle one is closed (none idle: the one longest in the middle of a request gets 503). Each
refusal closes its connection.
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

from entente_daemon.mock.messages import MockRequest, MockResponse
from entente_daemon.mock.serving import refusals
from entente_daemon.mock.serving.app import MockApp, declared_length, raw_path, read_headers

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_BAD_REQUEST = b"Invalid HTTP request received."
_STATUS_LINES: dict[int, bytes] = {}
LINGER_SECONDS = 2.0  # after a refusal, how long what the client still sends is dropped


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


class _Refused(Exception):
    """Raised in a parser callback once the request was refused: stops the parser."""


class Connections:
    """The open connections of one server: for the idle sweep, the connection cap and the
    graceful stop."""

    def __init__(self, app: MockApp) -> None:
        self.app = app
        self.limits = app.limits
        self.open: set[MockProtocol] = set()
        self.date = _Date()
        self.stopping = False
        self._changed: asyncio.Event | None = None

    def factory(self) -> Callable[[], MockProtocol]:
        return lambda: MockProtocol(self)

    def make_room(self) -> None:
        """At the cap: close the connection idle the longest, else refuse (503) the one
        longest in the middle of a request (a slow sender, most likely)."""
        live = [c for c in self.open if not c.closing]
        if len(live) < self.limits.max_connections:
            return
        idle = [c for c in live if not c.receiving]
        if idle:
            min(idle, key=lambda c: c.last_active).close()
        else:
            oldest = min(live, key=lambda c: c.started)
            oldest.refuse(refusals.too_many_connections(self.limits))

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
        self.started = 0.0  # when the request being received began
        self.limits = connections.limits
        self._in_body = False  # the head is complete, the body is arriving
        self._head_bytes = 0  # bytes received for the request head so far
        self._header_count = 0
        self._body_bytes = 0

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.connections.make_room()
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
        if not self._in_body:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.close()  # answered as a plain request; no protocol to switch to
            return
        except httptools.HttpParserError:
            if not self.closing:  # not refused by a limit already
                log.warning("Invalid HTTP request received.")
                self._refuse()
            return
        if self.receiving and not self._in_body and self._head_bytes > self.limits.max_header_bytes:
            self.refuse(refusals.headers_too_large(self.limits))

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
        self.started = perf_counter()
        self.url = b""
        self.headers = []
        self.body = []
        self._header_count = 0
        self._body_bytes = 0

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > self.limits.max_header_bytes:
            self._stop(refusals.headers_too_large(self.limits))

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            self._stop(refusals.headers_too_large(self.limits, count=self._header_count))

    def on_headers_complete(self) -> None:
        self._in_body = True
        transport = self.transport
        if transport is None:
            return
        limits = self.limits
        size = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
        if size > limits.max_header_bytes:  # a head that arrived whole in one read
            self._stop(refusals.headers_too_large(limits))
        length = _content_length(self.headers)
        if length is not None and length > limits.max_body_bytes:
            self._stop(refusals.body_too_large(limits, length))
        for name, value in self.headers:
            if name == b"expect" and value.lower() == b"100-continue":
                transport.write(_CONTINUE)
                break

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > self.limits.max_body_bytes:
            self._stop(refusals.body_too_large(self.limits))
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.receiving = False
        self._in_body = False
        self._head_bytes = 0
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
        app.answered(request, result, now - self.started, test_id, run_id)
        if connections.stopping:
            connections.notify()

    # -- closing -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close once what was written is sent."""
        self.closing = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def refuse(self, response: MockResponse) -> None:
        """Answer ``response`` (a limit's refusal) and close the connection.

        Closed gently: our side is shut for writing and what the client still sends is read
        and dropped for `LINGER_SECONDS`. Closing at once with its bytes unread would reset
        the connection, and a reset can lose the answer before the client reads it."""
        if self.closing:
            return
        self.closing = True
        self.receiving = False
        transport = self.transport
        if transport is not None and not transport.is_closing():
            out = [status_line(response.status), self.connections.date.get()]
            for name, value in response.wire_headers:
                out += (name, b": ", value, b"\r\n")
            out += (b"\r\n", response.body)
            transport.write(b"".join(out))
            if transport.can_write_eof():
                transport.resume_reading()
                transport.write_eof()
                asyncio.get_running_loop().call_later(LINGER_SECONDS, transport.close)
            else:
                transport.close()
        self.connections.notify()

    def _stop(self, response: MockResponse) -> None:
        """From a parser callback: refuse, and stop the parser (it raises on)."""
        self.refuse(response)
        raise _Refused

    def timed_out(self, now: float) -> bool:
        """Whether the request being received has taken longer than ``request_timeout``."""
        return self.receiving and now - self.started > self.limits.request_timeout

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


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return declared_length(value)
    return None
