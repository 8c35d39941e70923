"""``GET /v1/breaking-changes[?provider=P]``: the breaking-change alerts that stand now (the
last ``spec.breaking_change`` of each watched spec that has changes), for a client that
connects after they were emitted (the TUI loads them on connect)."""

from __future__ import annotations

from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import JsonResponse, Request


async def list_breaking_changes(ctx: ApiContext, request: Request) -> JsonResponse:
    provider = request.arg("provider")
    found = ctx.breaking.current(provider)
    return JsonResponse({"breaking_changes": [p.to_payload() for p in found]})
