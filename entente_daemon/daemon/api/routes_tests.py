"""Control API endpoints for test runs: events reported by runners, and the runs seen."""

from __future__ import annotations

from pydantic import ValidationError

from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request, Router
from entente_daemon.daemon.services.test_runs import TestEvent, TestRunService


def add_test_run_routes(router: Router, ctx: ApiContext) -> None:
    def service() -> TestRunService:
        if ctx.test_runs is None:
            raise HttpError(503, "the test-run service is not running in this daemon")
        return ctx.test_runs

    async def report(request: Request) -> JsonResponse:
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
        published = await service().report(event)
        return JsonResponse({"seq": published.seq}, status=201)

    async def runs(request: Request) -> JsonResponse:
        return JsonResponse({"runs": service().runs()})

    router.add("POST", "/v1/test-runs/events", report)
    router.add("GET", "/v1/test-runs", runs)
