"""Control API endpoints for provider verification: runs reported live (open, progress,
finish: the results are stored), the recent runs, verifications the daemon starts and the
provider projects it could start them for."""

from __future__ import annotations

import asyncio

from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request, file_path
from entente_daemon.daemon.api.validation import body_model
from entente_daemon.daemon.services.provider_choices import provider_choices
from entente_daemon.daemon.services.verification_launcher import VerifyRequest
from entente_daemon.daemon.services.verification_runs import RunFinish, RunOpen, RunProgress


async def open_run(ctx: ApiContext, request: Request) -> JsonResponse:
    body = body_model(RunOpen, request.json_object(), "verification run")
    run = await ctx.verification_runs.open(body)
    return JsonResponse(run.model_dump(mode="json"), status=201)


async def list_runs(ctx: ApiContext, request: Request) -> JsonResponse:
    return JsonResponse(
        {"runs": [run.model_dump(mode="json") for run in ctx.verification_runs.list()]}
    )


async def get_run(ctx: ApiContext, request: Request) -> JsonResponse:
    run_id = request.path_params["id"]
    found = ctx.verification_runs.get(run_id)
    if found is None:
        raise HttpError(404, f"no verification run {run_id!r}")
    return JsonResponse(found.info.model_dump(mode="json"))


async def progress(ctx: ApiContext, request: Request) -> JsonResponse:
    body = body_model(RunProgress, request.json_object(), "progress")
    seq = await ctx.verification_runs.progress(request.path_params["id"], body)
    return JsonResponse({"seq": seq})


async def finish(ctx: ApiContext, request: Request) -> JsonResponse:
    # Results may be large: validate them off the event loop.
    body = await asyncio.to_thread(lambda: body_model(RunFinish, request.json_object(), "results"))
    finished = await ctx.verification_runs.finish(request.path_params["id"], body)
    return JsonResponse(finished.model_dump(mode="json"))


async def start_verification(ctx: ApiContext, request: Request) -> JsonResponse:
    body = body_model(VerifyRequest, request.json_object(), "verify")
    launched = await ctx.launcher.launch(body)
    return JsonResponse(launched.model_dump(mode="json"), status=202)


async def list_providers(ctx: ApiContext, request: Request) -> JsonResponse:
    """The provider projects to offer for ``?project=`` (the asker's config file), best first."""
    project = request.arg("project")
    attached = None if project is None else file_path(project, "project")
    choices = await asyncio.to_thread(provider_choices, attached, ctx.projects.infos())
    return JsonResponse({"providers": [c.model_dump(mode="json") for c in choices]})
