"""Control API endpoints for provider verification: runs reported live (open, progress,
finish: the results are stored), the recent runs, and verifications the daemon starts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request, Router
from entente_daemon.daemon.api.routes_records import describe_validation
from entente_daemon.daemon.services.verification_launcher import VerifyLauncher, VerifyRequest
from entente_daemon.daemon.services.verification_runs import (
    RunFinish,
    RunOpen,
    RunProgress,
    VerificationRuns,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class VerificationServices:
    runs: VerificationRuns
    launcher: VerifyLauncher


def verification_services(ctx: ApiContext) -> VerificationServices:
    """The daemon's one set, kept on the context: the control API builds one app per
    listener (the socket and the TCP port), and both must share it."""
    if ctx.verification is None:
        runs = VerificationRuns(ctx)
        ctx.verification = VerificationServices(runs, VerifyLauncher(ctx, runs))
    return ctx.verification


def _parse(model: type[M], request: Request, what: str) -> M:
    try:
        return model.model_validate(request.json_object())
    except ValidationError as exc:
        raise HttpError(400, describe_validation(what, exc)) from None


def add_verification_routes(router: Router, ctx: ApiContext) -> None:
    services = verification_services(ctx)
    runs = services.runs

    async def open_run(request: Request) -> JsonResponse:
        body = _parse(RunOpen, request, "verification run")
        run = await runs.open(body)
        return JsonResponse(run.model_dump(mode="json"), status=201)

    async def list_runs(request: Request) -> JsonResponse:
        return JsonResponse({"runs": [run.model_dump(mode="json") for run in runs.list()]})

    async def get_run(request: Request) -> JsonResponse:
        run_id = request.path_params["id"]
        found = runs.get(run_id)
        if found is None:
            raise HttpError(404, f"no verification run {run_id!r}")
        return JsonResponse(found.info.model_dump(mode="json"))

    async def progress(request: Request) -> JsonResponse:
        body = _parse(RunProgress, request, "progress")
        seq = await runs.progress(request.path_params["id"], body)
        return JsonResponse({"seq": seq})

    async def finish(request: Request) -> JsonResponse:
        # Results may be large: validate them off the event loop.
        body = await asyncio.to_thread(_parse, RunFinish, request, "results")
        finished = await runs.finish(request.path_params["id"], body)
        return JsonResponse(finished.model_dump(mode="json"))

    async def start(request: Request) -> JsonResponse:
        body = _parse(VerifyRequest, request, "verify")
        launched = await services.launcher.launch(body)
        return JsonResponse(launched.model_dump(mode="json"), status=202)

    router.add("POST", "/v1/verification-runs", open_run)
    router.add("GET", "/v1/verification-runs", list_runs)
    router.add("GET", "/v1/verification-runs/{id}", get_run)
    router.add("POST", "/v1/verification-runs/{id}/progress", progress)
    router.add("POST", "/v1/verification-runs/{id}/finish", finish)
    router.add("POST", "/v1/verify", start)
