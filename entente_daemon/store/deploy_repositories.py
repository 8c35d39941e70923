"""What runs where: environments, registered service versions, deployments and releases.

Deployments are a log that is only added to. Which version of a service is active in an
environment is worked out when read (the newest successful deployment, unless an
undeployment follows it), so recording a deployment is one write: a crash can never leave
two active versions, or none where one was deployed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..errors import StoreError
from ..model import (
    Deployment,
    DeploymentStatus,
    Environment,
    Release,
    ServiceVersion,
    utc_now,
)
from .engine import Engine
from .repositories import Repository

#: (service, environment)
Placement = tuple[str, str]


class NotThere(StoreError):
    """What a change names is not there (a service not deployed, a version not released)."""


def active_of(deployments: Iterable[Deployment]) -> dict[Placement, Deployment]:
    """Each service's active deployment per environment, from the log in the order stored
    (a later entry wins; failed attempts never count)."""
    active: dict[Placement, Deployment] = {}
    for deployment in deployments:
        key = (deployment.service, deployment.environment)
        if deployment.status is DeploymentStatus.SUCCESSFUL:
            active[key] = deployment
        elif deployment.status is DeploymentStatus.UNDEPLOYED:
            active.pop(key, None)
    return active


class DeploymentRepository(Repository[Deployment]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "deployments", Deployment)

    def add(self, deployment: Deployment) -> str:
        """Add to the log (one write; see the module's docstring)."""
        stored = deployment.model_copy(
            update={"active": deployment.status is DeploymentStatus.SUCCESSFUL}
        )
        return self._insert(deployment.id, stored)

    def undeploy(self, service: str, environment: str, *, by: str | None = None) -> Deployment:
        """Record that ``service`` left ``environment``; StoreError when it was not there."""
        with self._engine.lock:
            current = active_of(self._all()).get((service, environment))
            if current is None:
                raise NotThere(f"{service} is not deployed to {environment}")
            gone = Deployment(
                service=service,
                version=current.version,
                environment=environment,
                deployed_by=by,
                status=DeploymentStatus.UNDEPLOYED,
                role=current.role,
            )
            self.add(gone)
            return gone.model_copy(update={"active": False})

    def get(self, record_id: str) -> Deployment | None:
        """The deployment, with ``active`` worked out."""
        return next((d for d in self._marked(self._all()) if d.id == record_id), None)

    def _all(self) -> list[Deployment]:
        with self._engine.lock:
            self._engine.check_open()
            return [self._load(doc) for doc in self._docs()]

    def _marked(self, log: list[Deployment]) -> list[Deployment]:
        """The log with ``active`` worked out."""
        live = {d.id for d in active_of(log).values()}
        return [d.model_copy(update={"active": d.id in live}) for d in log]

    def active(
        self, *, environment: str | None = None, service: str | None = None
    ) -> list[Deployment]:
        return [
            d
            for d in active_of(self._all()).values()
            if (environment is None or d.environment == environment)
            and (service is None or d.service == service)
        ]

    def list(
        self,
        *,
        service: str | None = None,
        environment: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Deployment]:
        """Newest first."""
        found = [
            d
            for d in reversed(self._marked(self._all()))
            if (service is None or d.service == service)
            and (environment is None or d.environment == environment)
        ]
        stop = None if limit is None else offset + limit
        return found[offset:stop]


class EnvironmentRepository(Repository[Environment]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "environments", Environment)

    def ensure(self, name: str, *, production: bool | None = None) -> Environment:
        """The environment ``name``, made when new; ``production`` given: set to that."""
        with self._engine.lock:
            current = self.get(name)
            if current is not None and (production is None or current.production == production):
                return current
            if current is None:
                current = Environment(name=name, production=bool(production))
            else:
                current = current.model_copy(update={"production": bool(production)})
            self._put(name, current)
            return current

    def list(self) -> list[Environment]:
        return sorted(self._list(None, 0), key=lambda e: e.name)


class ServiceVersionRepository(Repository[ServiceVersion]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "service_versions", ServiceVersion)

    def register(self, version: ServiceVersion) -> ServiceVersion:
        """Add or complete a registration: fields already known are kept unless given
        again; the first registration time stays."""
        with self._engine.lock:
            current = self.get(version.id)
            if current is not None:
                given = version.model_dump(exclude_unset=True, exclude={"registered_at"})
                version = current.model_copy(
                    update={k: v for k, v in given.items() if v is not None}
                )
            self._put(version.id, version)
            return version

    def list(self, *, service: str | None = None) -> list[ServiceVersion]:
        return self._list(None, 0, service=service)


class ReleaseRepository(Repository[Release]):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "releases", Release)

    def record(self, release: Release) -> Release:
        """A release (again: support resumes, the first release time stays)."""
        with self._engine.lock:
            current = self.get(release.id)
            if current is not None:
                release = current.model_copy(update={"support_ended_at": None})
            self._put(release.id, release)
            return release

    def end_support(self, service: str, version: str, environment: str) -> Release:
        record_id = f"{service}@{version}@{environment}"
        try:
            return self._replace(
                record_id, lambda r: r.model_copy(update={"support_ended_at": _now(r)})
            )
        except StoreError:
            raise StoreError(f"{service} {version} was never released to {environment}") from None

    def list(
        self,
        *,
        service: str | None = None,
        environment: str | None = None,
        supported: bool | None = None,
    ) -> list[Release]:
        found = self._list(None, 0, service=service, environment=environment)
        if supported is None:
            return found
        return [r for r in found if r.supported == supported]


def _now(release: Release) -> datetime:
    return release.support_ended_at or utc_now()
