"""Recording a consumer's real traffic to a real provider.

``with client.record_traffic("castle-service", base_url="http://127.0.0.1:8000"):`` lets
every httpx call under that base URL go through to the provider, and records each exchange
as an interaction (answer source ``provider``, operation matched against the provider's
spec). From the real answers it proposes draft fixtures (source ``consumer``) that a person
may approve, de-duplicated by content hash.

How: a respx router (httpx-level mocker, so respx's own httpcore patch is not involved) with
a pass-through route for the base URL. respx does not hand a passed-through response back,
so this router performs the real request itself, through a plain httpx transport, and
records it. Other URLs pass through untouched. The real request uses default transport
settings (TLS verification on, no proxy from the calling client).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from respx.models import PassThrough

from entente_daemon.consumer.intercept import (
    EntenteRouter,
    from_httpx_response,
    parse_body,
    to_mock_request,
)
from entente_daemon.mock.messages import MockRequest, MockResponse, MockResult
from entente_daemon.model import (
    Fixture,
    FixtureSource,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
    Interaction,
    MatchContext,
)
from entente_daemon.openapi import Spec

Exchange = Callable[[MockRequest, MockResult, float], None]  # (request, result, seconds)

# Headers that change on every answer or describe the transfer, not the content: left out
# of recordings so that the same answer de-duplicates, and of fixtures.
_VOLATILE = frozenset(
    {
        "date",
        "server",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-encoding",
        "content-length",
        "age",
        "expires",
        "last-modified",
        "etag",
        "x-request-id",
    }
)
_TRANSFER = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_FIXTURE_HEADERS = frozenset({"content-type", "location"})


def provider_result(spec: Spec, request: MockRequest, response: MockResponse) -> MockResult:
    """A real exchange described as the mock describes its own answers."""
    found = spec.match(request.method, request.path)
    operation = found.operation if found.matched else None
    kept = tuple((k, v) for k, v in response.headers if k.lower() not in _VOLATILE)
    if operation is not None:
        reasons = [f"answered by the real provider; {operation.operation_id} matched"]
    else:
        reasons = [
            f"answered by the real provider; no operation of the spec matches ({found.status})"
        ]
    return MockResult(
        response=MockResponse(response.status, kept, response.body),
        match=MatchContext(
            operation_id=operation.operation_id if operation else None,
            path_template=operation.path if operation else None,
            path_params=dict(found.path_params),
            source="provider",
            reasons=reasons,
        ),
        operation_id=operation.operation_id if operation else None,
        request_body=parse_body(request.body, request.content_type),
        response_body=parse_body(response.body, response.header("content-type")),
    )


def draft_fixture(interaction: Interaction) -> Fixture | None:
    """A consumer-sourced draft fixture proposed from a recorded real exchange (None when
    the exchange matched no operation)."""
    if interaction.operation_id is None:
        return None
    request = interaction.request
    response = interaction.response
    return Fixture(
        provider=interaction.provider,
        provider_versions=[interaction.provider_version],
        operation_id=interaction.operation_id,
        status=FixtureStatus.DRAFT,
        source=FixtureSource.CONSUMER,
        request=HttpRequest(
            method=request.method,
            path=request.path,
            query=request.query,
            headers=_only(request.headers, {"content-type"}),
            body=request.body,
        ),
        response=HttpResponse(
            status=response.status,
            headers=_only(response.headers, _FIXTURE_HEADERS),
            body=response.body,
        ),
        provider_state=interaction.provider_state,
        notes=f"proposed from real traffic recorded by {interaction.consumer}",
    ).with_hash()


def draft_fixtures(interactions: list[Interaction]) -> list[Fixture]:
    """Draft fixtures for the interactions, one per content hash."""
    seen: dict[str, Fixture] = {}
    for interaction in interactions:
        fixture = draft_fixture(interaction)
        if fixture is not None and fixture.content_hash not in seen:
            seen[fixture.content_hash] = fixture
    return list(seen.values())


def _only(headers: dict[str, str], names: frozenset[str] | set[str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() in names}


class PassThroughRouter(EntenteRouter):
    """Sends requests under ``base_url`` to the real provider and reports each exchange."""

    def __init__(self, base_url: str, spec: Spec, on_exchange: Exchange) -> None:
        super().__init__(base_url, using="httpx")
        self._spec = spec
        self._on_exchange = on_exchange
        self.base_route.pass_through()
        self._sync: httpx.HTTPTransport | None = None

    def start(self) -> None:
        self._sync = httpx.HTTPTransport()
        super().start()

    def stop(self, clear: bool = True, reset: bool = True, quiet: bool = False) -> None:
        super().stop(clear=clear, reset=reset, quiet=quiet)
        sync, self._sync = self._sync, None
        if sync is not None:
            sync.close()

    def handler(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handler(request)
        except PassThrough as through:
            if through.origin is not self.base_route or not self._serves(request):
                raise
        transport = self._sync or httpx.HTTPTransport()
        started = time.perf_counter()
        real = transport.handle_request(request)
        try:
            raw = real.read()
        finally:
            real.close()
        return self._answer(request, real, raw, started)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().async_handler(request)
        except PassThrough as through:
            if through.origin is not self.base_route or not self._serves(request):
                raise
        started = time.perf_counter()
        async with httpx.AsyncHTTPTransport() as transport:
            real = await transport.handle_async_request(request)
            try:
                raw = await real.aread()
            finally:
                await real.aclose()
        return self._answer(request, real, raw, started)

    def _serves(self, request: httpx.Request) -> bool:
        return bool(self.base_route.pattern.match(request))

    def _answer(
        self, request: httpx.Request, real: httpx.Response, raw: bytes, started: float
    ) -> httpx.Response:
        """The response handed to the caller, after recording the exchange."""
        duration = time.perf_counter() - started
        # ``raw`` is decoded already: the headers about the transfer no longer apply
        headers = [(k, v) for k, v in real.headers.multi_items() if k.lower() not in _TRANSFER]
        answer = httpx.Response(real.status_code, headers=headers, content=raw, request=request)
        mock_request = to_mock_request(request)
        result = provider_result(self._spec, mock_request, from_httpx_response(answer))
        self._on_exchange(mock_request, result, duration)
        return answer
