"""The control API's assembly in-process: the one route table, and domain errors answered
with their mapped status and the same JSON body as any error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from entente_daemon.daemon.api.errors import STATUS
from entente_daemon.daemon.api.framework import App, JsonResponse, Request, Router
from entente_daemon.daemon.api.routes import ROUTES
from entente_daemon.daemon.services import errors
from entente_daemon.daemon.services.errors import DomainError


def test_the_route_table_lists_each_method_and_path_once() -> None:
    keys = [(method, path) for method, path, _ in ROUTES]
    assert len(keys) == len(set(keys))
    assert ("POST", "/v1/verify") in keys
    assert ("GET", "/v1/events/stream") in keys


async def call(app: App, method: str, path: str) -> tuple[int, Any]:
    """One request through the ASGI app; the status and the JSON body."""
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": method, "path": path, "headers": []}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await app(scope, receive, send)
    status = int(sent[0]["status"])
    return status, json.loads(b"".join(m.get("body", b"") for m in sent[1:]))


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.Invalid("bad value", detail=[{"loc": "x"}]), 400),
        (errors.NotFound("no run 'x'"), 404),
        (errors.Conflict("run 'x' is already open"), 409),
        (errors.Unavailable("the store cannot take these results now: locked"), 503),
        (errors.Failed("could not start `entente verify`"), 500),
    ],
)
async def test_a_domain_error_is_answered_with_its_status(error: DomainError, status: int) -> None:
    async def refuse(request: Request) -> JsonResponse:
        raise error

    router = Router()
    router.add("POST", "/v1/thing", refuse)
    answer = await call(App(router, lambda request: None, max_body=1000), "POST", "/v1/thing")
    assert answer == (status, {"error": error.message, "detail": error.detail})


def test_every_domain_error_has_a_status() -> None:
    refusals = {
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, DomainError) and cls is not DomainError
    }
    assert set(STATUS) == refusals
