"""In-process mocking of httpx through respx: no socket, the same engine as the mock server.

`engine_router` builds a `respx.MockRouter` whose route for a base URL answers through a
handler (`MockRequest` → `MockResponse`); see `EntenteRouter` for what happens to the other
requests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NoReturn

import httpx
import respx
from respx.models import AllMockedAssertionError, PassThrough

from entente_daemon.mock.messages import MockRequest, MockResponse

Answer = Callable[[MockRequest], MockResponse]


def to_mock_request(request: httpx.Request) -> MockRequest:
    """An httpx request as the engine sees it: raw path, query string, lower-case headers."""
    raw_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
    return MockRequest(
        method=request.method.upper(),
        path=raw_path or "/",
        query_string=request.url.query.decode("ascii"),
        headers=tuple((name.lower(), value) for name, value in request.headers.multi_items()),
        body=request.content,
    )


def to_httpx_response(response: MockResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        response.status,
        headers=list(response.headers),
        content=response.body,
        request=request,
    )


def from_httpx_response(response: httpx.Response) -> MockResponse:
    """A real (already read) response in the mock's transport-neutral form."""
    return MockResponse(
        status=response.status_code,
        headers=tuple((name.lower(), value) for name, value in response.headers.multi_items()),
        body=response.content,
    )


def parse_body(body: bytes, content_type: str | None) -> Any:
    """A body as recorded: JSON when it is JSON, else text, None when empty."""
    if not body:
        return None
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            return json.loads(body)
        except ValueError:
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.hex()


def normalise_base_url(base_url: str) -> str:
    url = httpx.URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{base_url!r} is not an http(s) base URL (e.g. http://castle.test)")
    return str(url).rstrip("/")


class EntenteRouter(respx.MockRouter):
    """A respx router serving one base URL. Requests it does not serve go to the next
    router; when it is the last one started and every started router is Entente's, they
    pass through to the network (so that one mock does not cut off calls elsewhere, yet a
    test's own respx router keeps its say)."""

    def __init__(self, base_url: str, *, using: str = "httpcore") -> None:
        super().__init__(assert_all_called=False, assert_all_mocked=True, using=using)
        self.base_url = normalise_base_url(base_url)
        self.base_route = self.route(url__regex=under_base_url(self.base_url), name="entente")

    def _unmatched(self, request: httpx.Request, error: AllMockedAssertionError) -> NoReturn:
        routers = list(self.Mocker.routers) if self.Mocker is not None else []
        if routers and routers[-1] is self and all(isinstance(r, EntenteRouter) for r in routers):
            raise PassThrough(
                f"{request.url} is not under {self.base_url}: sent to the network",
                request=request,
                origin=self.base_route,
            ) from None
        raise error

    def handler(self, request: httpx.Request) -> httpx.Response:
        try:
            response: httpx.Response = super().handler(request)
        except AllMockedAssertionError as error:
            self._unmatched(request, error)
        return response

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        try:
            response: httpx.Response = await super().async_handler(request)
        except AllMockedAssertionError as error:
            self._unmatched(request, error)
        return response


def engine_router(base_url: str, answer: Answer) -> EntenteRouter:
    """A router answering requests under ``base_url`` through ``answer``.

    Start it with ``with router:`` (or ``router.start()``/``stop()``).
    """
    router = EntenteRouter(base_url)

    def side_effect(request: httpx.Request) -> httpx.Response:
        return to_httpx_response(answer(to_mock_request(request)), request)

    router.base_route.mock(side_effect=side_effect)
    return router


def under_base_url(base: str) -> str:
    """A regex for URLs at or below ``base`` (``http://h/api`` matches ``/api`` and
    ``/api/x?q`` but not ``/apix``); the default port is implied."""
    url = httpx.URL(base)
    port = f"(?::{url.port})" if url.port else "(?::(?:80|443))?"
    path = re.escape(url.path.rstrip("/"))
    return rf"^{re.escape(url.scheme)}://{re.escape(url.host)}{port}{path}(?:[/?#]|$)"
