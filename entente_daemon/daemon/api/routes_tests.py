"""Control API endpoints for test runs: events reported by runners, and the runs seen."""

from __future__ import annotations

from pydantic import ValidationError

from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request
from entente_daemon.daemon.services.test_runs import TestEvent


async def report_test_event(ctx: ApiContext, request: Request) -> JsonResponse:
    try:
        event = TestEvent.model_validate(request.json_object())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise HttpError(
            400,
            f"invalid test event: {where}: {first['msg']}",
            detail=exc.errors(include_url=False, include_context=False)[:5],
        ) from None
    published = await ctx.test_runs.report(event)
    return JsonResponse({"seq": published.seq}, status=201)


async def list_test_runs(ctx: ApiContext, request: Request) -> JsonResponse:
    return JsonResponse({"runs": ctx.test_runs.runs()})
