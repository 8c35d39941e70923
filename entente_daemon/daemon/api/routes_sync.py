"""Control API endpoints of the sync with the broker: its state (``GET /v1/sync``) and a
push and pull now (``POST /v1/sync``, answered with the state after them)."""

from __future__ import annotations

from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import JsonResponse, Request
from entente_daemon.daemon.services.errors import Conflict

NOT_CONFIGURED = (
    "no broker is configured: set ENTENTE_SERVICE_URL and ENTENTE_API_KEY for the daemon, "
    "run `entente sync login --url URL`, or give a project a [broker] url"
)


async def sync_state(ctx: ApiContext, request: Request) -> JsonResponse:
    return JsonResponse((await ctx.sync.status()).model_dump(mode="json"))


async def sync_now(ctx: ApiContext, request: Request) -> JsonResponse:
    state = await ctx.sync.sync_now()
    if state.url is None and state.last_error is None:
        raise Conflict(NOT_CONFIGURED)
    return JsonResponse(state.model_dump(mode="json"))
