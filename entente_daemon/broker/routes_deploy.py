"""The broker's routes for what runs where: service and spec versions, environments,
deployments, releases, can-i-deploy and the readiness matrix (the same pure decision code
as the daemon and the CLI, `records/deploy_answers.py`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from entente_daemon.client.broker_wire import (
    DeploymentList,
    EnvironmentList,
    NewEnvironment,
    ReleaseList,
    ServiceVersionList,
    SpecList,
    SupportEnded,
    Undeploy,
)
from entente_daemon.client.deploy_wire import (
    DeployDecision,
    DeployQuestion,
    ReadinessMatrix,
    SpecUploadReceipt,
)
from entente_daemon.model import Deployment, Environment, Release, ServiceVersion, SpecVersion
from entente_daemon.records.deploy_answers import decide, matrix

from . import deploy_db
from .auth import Reader, Writer
from .context import Ctx
from .errors import Invalid, NotFound

router = APIRouter()


@router.post("/service-versions", response_model=ServiceVersion, tags=["deploy"])
def register_version(ctx: Ctx, _key: Writer, version: ServiceVersion) -> ServiceVersion:
    return deploy_db.register_version(ctx.engine, version)


@router.get("/service-versions", response_model=ServiceVersionList, tags=["deploy"])
def list_service_versions(ctx: Ctx, _key: Reader, service: str | None = None) -> ServiceVersionList:
    return ServiceVersionList(versions=deploy_db.service_versions_of(ctx.engine, service))


@router.post("/spec-versions", response_model=SpecUploadReceipt, tags=["specs"])
def upload_spec(
    ctx: Ctx, _key: Writer, spec: SpecVersion, force: bool = False
) -> SpecUploadReceipt:
    """Store a spec version. The same content again is a no-op (``stored`` false); another
    content for a stored version is refused (409) unless ``force``."""
    stored, fresh = deploy_db.upload_spec(ctx.engine, spec, force)
    return SpecUploadReceipt(spec=stored, stored=fresh)


@router.get("/spec-versions", response_model=SpecList, tags=["specs"])
def list_specs(ctx: Ctx, _key: Reader, service: str, version: str | None = None) -> SpecList:
    """``service``'s spec versions, oldest first."""
    return SpecList(specs=deploy_db.specs_of(ctx.engine, service, version))


@router.get("/spec-versions/latest", response_model=SpecVersion, tags=["specs"])
def latest_spec(ctx: Ctx, _key: Reader, service: str) -> SpecVersion:
    found = deploy_db.specs_of(ctx.engine, service)
    if not found:
        raise NotFound(f"no spec of {service} on the broker", field="service")
    return found[-1]


@router.post("/deployments", response_model=Deployment, tags=["deploy"])
def record_deployment(ctx: Ctx, _key: Writer, deployment: Deployment) -> Deployment:
    return deploy_db.record_deployment(ctx.engine, deployment)


@router.post("/deployments/undeploy", response_model=Deployment, tags=["deploy"])
def undeploy(ctx: Ctx, _key: Writer, asked: Undeploy) -> Deployment:
    return deploy_db.undeploy(ctx.engine, asked.service, asked.environment, asked.by)


@router.get("/deployments", response_model=DeploymentList, tags=["deploy"])
def list_deployments(
    ctx: Ctx,
    _key: Reader,
    service: str | None = None,
    environment: str | None = None,
    active: bool | None = None,
) -> DeploymentList:
    found = deploy_db.deployments_of(ctx.engine, service, environment, active)
    return DeploymentList(deployments=found)


@router.get("/environments", response_model=EnvironmentList, tags=["deploy"])
def list_environments(ctx: Ctx, _key: Reader) -> EnvironmentList:
    return EnvironmentList(environments=deploy_db.environments_of(ctx.engine))


@router.post("/environments", response_model=Environment, tags=["deploy"])
def create_environment(ctx: Ctx, _key: Writer, asked: NewEnvironment) -> Environment:
    return deploy_db.create_environment(ctx.engine, asked.name, asked.production)


@router.get("/releases", response_model=ReleaseList, tags=["deploy"])
def list_releases(
    ctx: Ctx, _key: Reader, service: str | None = None, environment: str | None = None
) -> ReleaseList:
    return ReleaseList(releases=deploy_db.releases_of(ctx.engine, service, environment))


@router.post("/releases", response_model=Release, tags=["deploy"])
def record_release(ctx: Ctx, _key: Writer, release: Release) -> Release:
    return deploy_db.record_release(ctx.engine, release)


@router.post("/releases/support-ended", response_model=Release, tags=["deploy"])
def end_support(ctx: Ctx, _key: Writer, asked: SupportEnded) -> Release:
    return deploy_db.end_support(ctx.engine, asked.service, asked.version, asked.environment)


@router.post("/can-i-deploy", response_model=DeployDecision, tags=["deploy"])
def can_i_deploy(ctx: Ctx, _key: Reader, question: DeployQuestion) -> DeployDecision:
    """Whether ``service`` ``version`` can go to ``environment``: the daemon's decision, from
    the broker's records."""
    try:
        return decide(ctx.facts.current(), question)
    except ValueError as error:
        raise Invalid(str(error), field="with") from None


@router.get("/matrix", response_model=ReadinessMatrix, tags=["deploy"])
def readiness(
    ctx: Ctx,
    _key: Reader,
    environment: str,
    compatibility: Annotated[Literal["none", "patch", "minor"], Query()] = "none",
) -> ReadinessMatrix:
    """Which live consumer and provider versions in ``environment`` are verified together."""
    return matrix(ctx.facts.current(), environment, compatibility)
