"""The control API's requests about what runs where (see `calls` for how a `Call` works)."""

from __future__ import annotations

from typing import Any

from entente_daemon.model import Deployment, Environment, Release, ServiceVersion, SpecVersion

from .calls import Call, _adapter, _list_of, _params
from .deploy_wire import DeployDecision, DeployQuestion, ReadinessMatrix, SpecUploadReceipt
from .wire import API_PREFIX


def environments() -> Call[list[Environment]]:
    return Call("GET", f"{API_PREFIX}/environments", _list_of(Environment, "environments"))


def create_environment(name: str, *, production: bool = False) -> Call[Environment]:
    body = {"name": name, "production": production}
    return Call("POST", f"{API_PREFIX}/environments", _adapter(Environment), body=body)


def service_versions(service: str | None = None) -> Call[list[ServiceVersion]]:
    return Call(
        "GET",
        f"{API_PREFIX}/service-versions",
        _list_of(ServiceVersion, "versions"),
        _params(service=service),
    )


def register_version(version: ServiceVersion) -> Call[ServiceVersion]:
    body = version.model_dump(mode="json", exclude_unset=True)
    return Call("POST", f"{API_PREFIX}/service-versions", _adapter(ServiceVersion), body=body)


def upload_spec(spec: SpecVersion, *, force: bool = False) -> Call[SpecUploadReceipt]:
    body = {"spec": spec.to_json(), "force": force}
    return Call("POST", f"{API_PREFIX}/spec-versions", _adapter(SpecUploadReceipt), body=body)


def record_deployment(deployment: Deployment) -> Call[Deployment]:
    return Call(
        "POST", f"{API_PREFIX}/deployments", _adapter(Deployment), body=deployment.to_json()
    )


def undeploy(service: str, environment: str, *, by: str | None = None) -> Call[Deployment]:
    body: dict[str, Any] = {"service": service, "environment": environment, "by": by}
    return Call("POST", f"{API_PREFIX}/deployments/undeploy", _adapter(Deployment), body=body)


def releases(*, service: str | None = None, environment: str | None = None) -> Call[list[Release]]:
    params = _params(service=service, environment=environment)
    return Call("GET", f"{API_PREFIX}/releases", _list_of(Release, "releases"), params)


def record_release(release: Release) -> Call[Release]:
    return Call("POST", f"{API_PREFIX}/releases", _adapter(Release), body=release.to_json())


def end_support(service: str, version: str, environment: str) -> Call[Release]:
    body = {"service": service, "version": version, "environment": environment}
    return Call("POST", f"{API_PREFIX}/releases/support-ended", _adapter(Release), body=body)


def can_i_deploy(question: DeployQuestion) -> Call[DeployDecision]:
    body = question.model_dump(mode="json", by_alias=True)
    return Call("POST", f"{API_PREFIX}/can-i-deploy", _adapter(DeployDecision), body=body)


def readiness(environment: str, compatibility: str = "none") -> Call[ReadinessMatrix]:
    params = _params(environment=environment, semver_compatibility=compatibility)
    return Call("GET", f"{API_PREFIX}/readiness", _adapter(ReadinessMatrix), params)
