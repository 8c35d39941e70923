"""Control API endpoints for what runs where: environments, service versions, spec uploads,
deployments, releases, can-i-deploy and the readiness matrix."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from entente_daemon.client.deploy_wire import DeployQuestion
from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request
from entente_daemon.daemon.api.validation import describe_validation
from entente_daemon.model import Deployment, Release, ServiceVersion, SpecVersion

M = TypeVar("M", bound=BaseModel)
COMPATIBILITY = ("none", "patch", "minor")


def _model(model: type[M], data: Any, where: str = "the body") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise HttpError(400, describe_validation(where, exc)) from None


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise HttpError(400, f'"{name}" must be a non-empty string')
    return value


async def list_environments(ctx: ApiContext, request: Request) -> JsonResponse:
    found = await ctx.deployments.environments()
    return JsonResponse({"environments": [e.to_json() for e in found]})


async def create_environment(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    production = body.get("production", False)
    if not isinstance(production, bool):
        raise HttpError(400, '"production" must be true or false')
    made = await ctx.deployments.create_environment(_text(body, "name"), production)
    return JsonResponse(made.to_json())


async def list_service_versions(ctx: ApiContext, request: Request) -> JsonResponse:
    found = await ctx.deployments.service_versions(request.arg("service"))
    return JsonResponse({"versions": [v.to_json() for v in found]})


async def register_version(ctx: ApiContext, request: Request) -> JsonResponse:
    version = _model(ServiceVersion, request.json_object())
    stored = await ctx.deployments.register_version(version)
    return JsonResponse(stored.to_json())


async def upload_spec(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    spec = _model(SpecVersion, body.get("spec"), '"spec"')
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise HttpError(400, '"force" must be true or false')
    upload = await ctx.deployments.upload_spec(spec, force)
    return JsonResponse({"spec": upload.spec.to_json(), "stored": upload.stored})


async def record_deployment(ctx: ApiContext, request: Request) -> JsonResponse:
    deployment = _model(Deployment, request.json_object())
    stored = await ctx.deployments.record_deployment(deployment)
    return JsonResponse(stored.to_json())


async def undeploy(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    by = body.get("by")
    if by is not None and not isinstance(by, str):
        raise HttpError(400, '"by" must be a string')
    gone = await ctx.deployments.undeploy(_text(body, "service"), _text(body, "environment"), by)
    return JsonResponse(gone.to_json())


async def list_releases(ctx: ApiContext, request: Request) -> JsonResponse:
    found = await ctx.deployments.releases(request.arg("service"), request.arg("environment"))
    return JsonResponse({"releases": [r.to_json() for r in found]})


async def record_release(ctx: ApiContext, request: Request) -> JsonResponse:
    release = _model(Release, request.json_object())
    stored = await ctx.deployments.record_release(release)
    return JsonResponse(stored.to_json())


async def end_support(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    ended = await ctx.deployments.end_support(
        _text(body, "service"), _text(body, "version"), _text(body, "environment")
    )
    return JsonResponse(ended.to_json())


async def can_i_deploy(ctx: ApiContext, request: Request) -> JsonResponse:
    question = _model(DeployQuestion, request.json_object())
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
