"""Control API endpoints for what runs where: environments, service versions, spec uploads,
deployments, releases, can-i-deploy and the readiness matrix."""

from __future__ import annotations

from entente_daemon.client.deploy_wire import DeployQuestion
from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request
from entente_daemon.daemon.api.validation import body_flag, body_model, body_text
from entente_daemon.model import Deployment, Release, ServiceVersion, SpecVersion

COMPATIBILITY = ("none", "patch", "minor")


async def list_environments(ctx: ApiContext, request: Request) -> JsonResponse:
    found = await ctx.deployments.environments()
    return JsonResponse({"environments": [e.to_json() for e in found]})


async def create_environment(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    production = body_flag(body, "production")
    made = await ctx.deployments.create_environment(body_text(body, "name"), production)
    return JsonResponse(made.to_json())


async def list_service_versions(ctx: ApiContext, request: Request) -> JsonResponse:
    found = await ctx.deployments.service_versions(request.arg("service"))
    return JsonResponse({"versions": [v.to_json() for v in found]})


async def register_version(ctx: ApiContext, request: Request) -> JsonResponse:
    version = body_model(ServiceVersion, request.json_object())
    stored = await ctx.deployments.register_version(version)
    return JsonResponse(stored.to_json())


async def upload_spec(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    spec = body_model(SpecVersion, body.get("spec"), '"spec"')
    force = body_flag(body, "force")
    upload = await ctx.deployments.upload_spec(spec, force)
    return JsonResponse({"spec": upload.spec.to_json(), "stored": upload.stored})


async def record_deployment(ctx: ApiContext, request: Request) -> JsonResponse:
    deployment = body_model(Deployment, request.json_object())
    stored = await ctx.deployments.record_deployment(deployment)
    return JsonResponse(stored.to_json())


async def undeploy(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    by = body.get("by")
    if by is not None and not isinstance(by, str):
        raise HttpError(400, '"by" must be a string')
    service, environment = body_text(body, "service"), body_text(body, "environment")
    gone = await ctx.deployments.undeploy(service, environment, by)
    return JsonResponse(gone.to_json())


async def list_releases(ctx: ApiContext, request: Request) -> JsonResponse:
    found = await ctx.deployments.releases(request.arg("service"), request.arg("environment"))
    return JsonResponse({"releases": [r.to_json() for r in found]})


async def record_release(ctx: ApiContext, request: Request) -> JsonResponse:
    release = body_model(Release, request.json_object())
    stored = await ctx.deployments.record_release(release)
    return JsonResponse(stored.to_json())


async def end_support(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    ended = await ctx.deployments.end_support(
        body_text(body, "service"), body_text(body, "version"), body_text(body, "environment")
    )
    return JsonResponse(ended.to_json())


async def can_i_deploy(ctx: ApiContext, request: Request) -> JsonResponse:
    question = body_model(DeployQuestion, request.json_object())
    decision = await ctx.deployments.can_i_deploy(question)
    return JsonResponse(decision.model_dump(mode="json", by_alias=True))


async def readiness(ctx: ApiContext, request: Request) -> JsonResponse:
    environment = request.arg("environment")
    if not environment:
        raise HttpError(400, "say which environment: ?environment=NAME")
    compatibility = request.arg("semver_compatibility") or "none"
    if compatibility not in COMPATIBILITY:
        raise HttpError(400, f"semver_compatibility must be one of {', '.join(COMPATIBILITY)}")
    found = await ctx.deployments.readiness(environment, compatibility)
    return JsonResponse(found.model_dump(mode="json"))
