"""The mock as a raw ASGI 3 application: no framework between the socket and the engine.

Per request: read the body, build a `MockRequest` (raw percent-encoded path, lower-case
header names), ask the engine, send its `MockResponse`, then hand the request, the result
and the time taken to the recorder, which only enqueues (storage happens in its flusher
thread, never on the event loop).

``app.engine = new_engine`` swaps the engine atomically (one reference assignment): a
request in flight finishes with the engine it started with, the next one uses the new one.

The app's `ServerLimits` are kept here too, for servers that do not keep them while reading
(uvicorn): a head with too many headers or bytes is answered 431, a body over the limit 413
(from ``Content-Length`` before reading it, else once the bytes read pass it).

Tests in other languages attribute their requests with the ``X-Entente-Test`` (test id)
and ``X-Entente-Run`` (run id) headers; both are taken out of the request before the engine
or the recorder sees it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from time import perf_counter
from typing import Any, Protocol
from urllib.parse import quote, quote_from_bytes

from entente_daemon.config import ServerLimits
from entente_daemon.mock.messages import MockRequest, MockResponse, MockResult
from entente_daemon.mock.recording import RUN_HEADER, TEST_HEADER, Recorder
from entente_daemon.mock.serving import refusals
from entente_daemon.model import Interaction, MatchContext

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
RequestLog = Callable[[MockRequest, MockResult, float], None]

_TEST = TEST_HEADER.encode("ascii")
_RUN = RUN_HEADER.encode("ascii")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class Engine(Protocol):
    """What the app needs of an engine (`entente_daemon.mock.answer.engine.MockEngine`)."""

    def handle(self, request: MockRequest) -> MockResult: ...


class MockApp:
    """ASGI 3 application serving ``engine``; recording into ``recorder`` (a `Recorder`, such
    as `entente_daemon.record`'s `InteractionCapture`) when given, and calling
    ``on_request(request, result, seconds)`` after each answer (the CLI's log line).
    ``limits``: what a request may take (the servers serving this app read them here).

    Lifespan: startup starts the recorder's flusher; shutdown closes the recorder (in a
    worker thread), writing what is left; `unwritten` then holds what could not be.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        recorder: Recorder | None = None,
        on_request: RequestLog | None = None,
        limits: ServerLimits | None = None,
    ) -> None:
        self.engine = engine
        self.recorder = recorder
        self.on_request = on_request
        self.limits = limits or ServerLimits()
        self.unwritten: list[Interaction] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":  # a mock of an HTTP API: refuse the handshake
            await receive()
            await send({"type": "websocket.close", "code": 1003})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = perf_counter()
        engine = self.engine  # the engine this request is answered by, whatever swaps come

        refusal = _over_limits(scope, self.limits)
        if refusal is not None:
            await _send_refusal(refusal, send)
            return
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body: bytes = message.get("body", b"")
        if message.get("more_body", False):
            chunks = [body]
            size, most = len(body), self.limits.max_body_bytes
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > most:
                    await _send_refusal(refusals.body_too_large(self.limits), send)
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
        elif len(body) > self.limits.max_body_bytes:
            await _send_refusal(refusals.body_too_large(self.limits), send)
            return

        headers, test_id, run_id = read_headers(scope["headers"])
        request = MockRequest(
            scope["method"],
            _raw_path(scope),
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            body,
        )
        result = self.answer(engine, request)
        response = result.response
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": response.wire_headers,  # made once per response object
            }
        )
        body_out = _body_of(response) if request.method != "HEAD" else b""
        await send({"type": "http.response.body", "body": body_out})
        self.answered(request, result, perf_counter() - start, test_id, run_id)

    # -- what any server serving this app calls --------------------------------------------

    def start(self) -> None:
        """Start recording (the recorder's flusher); raises when it cannot."""
        if self.recorder is not None:
            self.recorder.start()

    @staticmethod
    def answer(engine: Engine, request: MockRequest) -> MockResult:
        """``engine``'s answer (take ``app.engine`` once per request); never raises."""
        try:
            return engine.handle(request)
        except Exception as exc:  # the engine promises not to raise; never drop a request
            log.exception("the mock engine failed on %s %s", request.method, request.path)
            return _engine_failure(exc)

    def answered(
        self,
        request: MockRequest,
        result: MockResult,
        duration: float,
        test_id: str | None,
        run_id: str | None,
    ) -> None:
        """After the answer went out: record it, and call ``on_request``.

        A ``HEAD`` answered as a ``GET`` (``result.answered_as``) is not recorded: it has
        no body, so as an example of the ``GET`` operation it would be a false one (the
        verifier replays what it stores and would find the provider's body missing), and
        it adds nothing to the contract the ``GET``s do not. The request log shows it."""
        recorder = self.recorder
        if recorder is not None and result.answered_as is None:
            recorder.record(request, result, duration, test_id, run_id)
        if self.on_request is not None:
            try:
                self.on_request(request, result, duration)
            except Exception:
                log.exception("the request log failed")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "lifespan.startup":
                try:
                    self.start()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif kind == "lifespan.shutdown":
                try:
                    await asyncio.to_thread(self.close)
                except Exception as exc:
                    await send({"type": "lifespan.shutdown.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return

    def close(self) -> list[Interaction]:
        """Close the recorder (writing what is left); what could not be written."""
        if self.recorder is not None:
            self.unwritten = self.recorder.close()
        return self.unwritten


_ReadHeaders = tuple[tuple[tuple[str, str], ...], str | None, str | None]
_READ: dict[tuple[Any, ...], _ReadHeaders] = {}
_READ_MAX = 4096


def read_headers(raw: Any) -> _ReadHeaders:
    """The request headers (``(name, value)`` byte pairs, lower-case names) decoded, without
    the attribution headers, whose values come apart: (headers, test id, run id).

    Remembered: a client sends the same headers again and again, and the same decoded
    tuple each time also makes the recorder's grouping of repeats cheaper."""
    try:
        key = tuple(raw)
        found = _READ.get(key)
    except TypeError:  # a server giving lists rather than tuples
        return _decode_headers(raw)
    if found is None:
        found = _decode_headers(raw)
        if len(_READ) >= _READ_MAX:
            _READ.clear()
        _READ[key] = found
    return found


def _decode_headers(raw: Any) -> _ReadHeaders:
    test_id: str | None = None
    run_id: str | None = None
    headers: list[tuple[str, str]] = []
    for name, raw_value in raw:
        if name == _TEST:
            test_id = raw_value.decode("latin-1")
        elif name == _RUN:
            run_id = raw_value.decode("latin-1")
        else:
            headers.append((name.decode("latin-1"), raw_value.decode("latin-1")))
    return tuple(headers), test_id, run_id


def _raw_path(scope: Scope) -> str:
    raw: bytes | None = scope.get("raw_path")
    if not raw:
        return quote(scope.get("path", "/"), safe=_PATH_SAFE)
    return raw_path(raw)


def raw_path(raw: bytes) -> str:
    """The path as sent, still percent-encoded (bytes that are not ASCII get encoded)."""
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return quote_from_bytes(raw, safe=_PATH_SAFE)


def _over_limits(scope: Scope, limits: ServerLimits) -> MockResponse | None:
    """The refusal a request's head earns by its size alone, if any."""
    headers = scope["headers"]
    if len(headers) > limits.max_headers:
        return refusals.headers_too_large(limits, count=len(headers))
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
    length: bytes | None = None
    for name, value in headers:
        size += len(name) + len(value) + 4
        if name == b"content-length":
            length = value
    if size > limits.max_header_bytes:
        return refusals.headers_too_large(limits)
    declared = declared_length(length)
    if declared is not None and declared > limits.max_body_bytes:
        return refusals.body_too_large(limits, declared)
    return None


def declared_length(value: bytes | None) -> int | None:
    """A ``Content-Length`` value as a number (None: absent or not a number; a number of
    more than 18 digits counts as 10**18, which no limit reaches)."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        return None
    return int(value) if len(value) <= 18 else 10**18


async def _send_refusal(response: MockResponse, send: Send) -> None:
    await send(
        {"type": "http.response.start", "status": response.status, "headers": response.wire_headers}
    )
    await send({"type": "http.response.body", "body": response.body})


def _body_of(response: MockResponse) -> bytes:
    return response.body if response.has_body else b""


def _engine_failure(exc: Exception) -> MockResult:
    detail = f"the mock failed to answer: {type(exc).__name__}: {exc}"
    body = {
        "type": "https://entente.dev/problems/mock-error",
        "title": "Mock error",
        "status": 500,
        "detail": detail,
    }
    response = MockResponse(
        500,
        (("content-type", "application/problem+json"),),
        json.dumps(body).encode("utf-8"),
    )
    return MockResult(
        response=response,
        match=MatchContext(source="error", reasons=[detail]),
        response_body=body,
    )
