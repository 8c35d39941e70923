"""A very small ASGI framework for the control API: requests, JSON and streamed responses,
a router, and the app that guards and dispatches.

Small enough to read in one go, typed, and without a dependency; the control API has a
dozen JSON endpoints and one event stream, and needs nothing more.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from entente_daemon import __version__
from entente_daemon.client.wire import VERSION_HEADER
from entente_daemon.daemon.api.errors import status_of
from entente_daemon.daemon.services.errors import DomainError

log = logging.getLogger("entente.daemon.api")

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class HttpError(Exception):
    """An error answer: status, a message a person can act on, optional detail."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        detail: Any = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail
        self.headers = headers


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    headers: list[tuple[str, str]]  # lower-case names, in order
    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    @cached_property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def arg(self, name: str) -> str | None:
        """A query parameter's first value; None when absent or blank."""
        values = self.query.get(name)
        return values[0] if values and values[0] != "" else None

    def int_arg(
        self, name: str, *, default: int | None = None, minimum: int = 0, maximum: int | None = None
    ) -> int | None:
        raw = self.arg(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = minimum - 1
        if value < minimum or (maximum is not None and value > maximum):
            bound = f" and at most {maximum}" if maximum is not None else ""
            raise HttpError(
                400,
                f"query parameter {name!r}: expected an integer of at least {minimum}"
                f"{bound}, got {raw!r}",
            )
        return value

    def json(self) -> Any:
        """The body as JSON (None when empty); 400 saying where it is malformed."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except UnicodeDecodeError:
            raise HttpError(400, "the request body is not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise HttpError(
                400,
                f"the request body is not valid JSON: {exc.msg} at line {exc.lineno}, "
                f"column {exc.colno}",
            ) from None
        except RecursionError:
            raise HttpError(400, "the request body's JSON is nested too deeply") from None
        except ValueError:  # an integer with more digits than Python converts
            raise HttpError(
                400,
                "the request body's JSON has a number too long to read (at most "
                f"{sys.get_int_max_str_digits()} digits)",
            ) from None

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise HttpError(400, f"the request body must be a JSON object, not {_kind(data)}")
        return data


@dataclass
class JsonResponse:
    body: Any
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class StreamResponse:
    """A response sent as it is produced (server-sent events). The app stops the stream
    when the client goes away, by cancelling the task that iterates ``chunks``."""

    chunks: AsyncIterator[bytes]
    media_type: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


Response = JsonResponse | StreamResponse
Handler = Callable[[Request], Awaitable[Response]]
Guard = Callable[[Request], None]  # raises HttpError to refuse a request


class Router:
    """Routes by method and path template (``/v1/fixtures/{id}/approve``)."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, list[str], Handler]] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        self._routes.append((method.upper(), template.strip("/").split("/"), handler))

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        """The handler of ``method`` on ``path`` (``HEAD``: the ``GET`` route's, answered
        without a body by the app); 405 naming the allowed methods, else 404."""
        parts = path.strip("/").split("/")
        wanted = "GET" if method == "HEAD" else method
        allowed: list[str] = []
        for route_method, template, handler in self._routes:
            params = _match(template, parts)
            if params is None:
                continue
            if route_method == wanted:
                return handler, params
            allowed.append(route_method)
        if "GET" in allowed:
            allowed.append("HEAD")
        if allowed:
            raise HttpError(
                405,
                f"{method} is not allowed on {path} (allowed: {', '.join(sorted(allowed))})",
                headers=(("allow", ", ".join(sorted(allowed))),),
            )
        raise HttpError(404, f"no such endpoint: {path}")


def _match(template: list[str], parts: list[str]) -> dict[str, str] | None:
    if len(template) != len(parts):
        return None
    params: dict[str, str] = {}
    for expected, actual in zip(template, parts, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            if not actual:
                return None
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params


def file_path(raw: str, what: str) -> Path:
    """``raw`` as a file path; 400 when it cannot name a file (a NUL byte)."""
    if "\x00" in raw:
        raise HttpError(400, f"{what}: a path cannot hold a NUL byte (got {raw!r})")
    return Path(raw)


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")


class App:
    """The ASGI application: read the request, guard it, route it, answer; never crash.
    A service's `DomainError` is answered with the status `api.errors` maps it to."""

    def __init__(self, router: Router, guard: Guard, *, max_body: int) -> None:
        self._router = router
        self._guard = guard
        self._max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no lifespan, no websockets
        request = Request(
            method=str(scope["method"]).upper(),
            path=str(scope["path"]),
            query_string=bytes(scope.get("query_string", b"")).decode("latin-1"),
            headers=[
                (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]
            ],
        )
        try:
            if "\x00" in request.path:
                raise HttpError(400, "the path has a NUL byte (%00)")
            self._guard(request)
            request.body = await self._read_body(receive)
            handler, request.path_params = self._router.resolve(request.method, request.path)
            response = await handler(request)
        except HttpError as exc:
            response = JsonResponse(
                {"error": exc.message, "detail": exc.detail}, exc.status, exc.headers
            )
        except DomainError as exc:  # a service refused: the same body, its mapped status
            response = JsonResponse({"error": exc.message, "detail": exc.detail}, status_of(exc))
        except Exception as exc:
            log.exception("%s %s failed", request.method, request.path)
            response = JsonResponse(
                {"error": f"internal error: {exc.__class__.__name__}: {exc} (see daemon.log)"},
                500,
            )
        if isinstance(response, StreamResponse):
            await _send_stream(response, receive, send)
        else:
            await _send_json(response, send, head=request.method == "HEAD")

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > self._max_body:
                raise HttpError(413, f"the request body exceeds {self._max_body} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _common_headers(media_type: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", media_type.encode("latin-1")),
        (b"cache-control", b"no-store"),
        (VERSION_HEADER.encode("latin-1"), __version__.encode("latin-1")),
    ]


async def _send_json(response: JsonResponse, send: Send, *, head: bool = False) -> None:
    """Send ``response``; for ``HEAD``, its headers only (``Content-Length`` kept). A
    refusal that leaves the body unread (401, 403, 413) closes the connection."""
    body = json.dumps(response.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = _common_headers("application/json")
    headers.append((b"content-length", str(len(body)).encode("latin-1")))
    headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    if response.status in _UNREAD_BODY:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body, "more_body": False})


_UNREAD_BODY = frozenset({401, 403, 413})


async def _send_stream(response: StreamResponse, receive: Receive, send: Send) -> None:
    headers = _common_headers(response.media_type)
    headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})

    async def pump() -> None:
        async for chunk in response.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    pumping = asyncio.create_task(pump())
    watching = asyncio.create_task(watch())
    try:
        await asyncio.wait({pumping, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pumping, watching):
            task.cancel()
        results = await asyncio.gather(pumping, watching, return_exceptions=True)
        closer = getattr(response.chunks, "aclose", None)
        if closer is not None:
            await closer()
    if watching.done() and not watching.cancelled() and pumping.cancelled():
        log.debug("a stream's client went away")
    for result in results:
        if isinstance(result, Exception):
            log.warning("a stream ended with an error: %r", result)
