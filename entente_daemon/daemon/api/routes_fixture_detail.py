"""``GET /v1/fixtures/{id}/detail``: one fixture with the operation it answers for, that
operation's schemas and what does not fit them (see `entente_daemon.fixtures.detail`),
explained against the spec `services.spec_finder.SpecFinder` finds.
"""

from __future__ import annotations

import asyncio

from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request
from entente_daemon.fixtures.detail import describe


async def fixture_detail(ctx: ApiContext, request: Request) -> JsonResponse:
    fixture_id = request.path_params["id"]
    fixture = await ctx.recorder.read(lambda store: store.fixtures.get(fixture_id))
    if fixture is None:
        raise HttpError(404, f"no fixture {fixture_id!r}")
    spec, label = await ctx.spec_finder.find(fixture)
    body = await asyncio.to_thread(describe, spec, fixture, spec_label=label)
    return JsonResponse(body)
