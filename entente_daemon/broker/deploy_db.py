"""What runs where, in the broker's database: service versions, spec versions, environments,
deployments (a log; which is active is worked out when read, as in the local store) and
releases. The rules are the local store's (`records/deploy_store.py`)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.schema import Table

from entente_daemon.model import (
    Deployment,
    DeploymentStatus,
    Environment,
    Record,
    Release,
    ServiceVersion,
    SpecVersion,
    utc_now,
)

from . import events_db
from .database import writing
from .errors import Conflict, NotFound
from .schema import (
    deployments,
    environments,
    releases,
    service_versions,
    spec_versions,
    stamp,
)

Kind = events_db.BrokerEventKind


def active_of(log: list[Deployment]) -> dict[tuple[str, str], Deployment]:
    """Each service's active deployment per environment, from the log in the order stored
    (a later entry wins; failed attempts never count): the local store's rule."""
    active: dict[tuple[str, str], Deployment] = {}
    for deployment in log:
        key = (deployment.service, deployment.environment)
        if deployment.status is DeploymentStatus.SUCCESSFUL:
            active[key] = deployment
        elif deployment.status is DeploymentStatus.UNDEPLOYED:
            active.pop(key, None)
    return active


def _doc(record: Record) -> str:
    return json.dumps(record.to_json(), separators=(",", ":"))


def _insert(connection: Connection, table: Table) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# -- service versions --------------------------------------------------------------------


def _register(connection: Connection, version: ServiceVersion) -> ServiceVersion:
    """Add or complete a registration (fields known are kept unless given again)."""
    current = connection.execute(
        select(service_versions.c.doc).where(
            service_versions.c.service == version.service,
            service_versions.c.version == version.version,
        )
    ).scalar()
    if current is not None:
        given = version.model_dump(exclude_unset=True, exclude={"registered_at"})
        version = ServiceVersion.model_validate_json(current).model_copy(
            update={k: v for k, v in given.items() if v is not None}
        )
        connection.execute(
            update(service_versions)
            .where(
                service_versions.c.service == version.service,
                service_versions.c.version == version.version,
            )
            .values(doc=_doc(version))
        )
        return version
    connection.execute(
        _insert(connection, service_versions)
        .values(
            service=version.service,
            version=version.version,
            registered_at=stamp(version.registered_at),
            doc=_doc(version),
        )
        .on_conflict_do_nothing()
    )
    return version


def register_version(engine: Engine, version: ServiceVersion) -> ServiceVersion:
    with writing(engine) as connection:
        return _register(connection, version)


def service_versions_of(engine: Engine, service: str | None = None) -> list[ServiceVersion]:
    statement = select(service_versions.c.doc).order_by(service_versions.c.registered_at)
    if service is not None:
        statement = statement.where(service_versions.c.service == service)
    with engine.connect() as connection:
        return [
            ServiceVersion.model_validate_json(d) for d in connection.execute(statement).scalars()
        ]


# -- spec versions -----------------------------------------------------------------------


def upload_spec(engine: Engine, spec: SpecVersion, force: bool) -> tuple[SpecVersion, bool]:
    """Store a spec version; (the stored one, whether stored now). The same content again
    is a no-op; another content for a stored version is a `Conflict` unless ``force``."""
    with writing(engine) as connection:
        row = connection.execute(
            select(spec_versions.c.doc, spec_versions.c.content_hash).where(
                spec_versions.c.service == spec.service,
                spec_versions.c.version == spec.version,
            )
        ).first()
        if row is not None and row.content_hash == spec.content_hash:
            return SpecVersion.model_validate_json(row.doc), False
        if row is not None and not force:
            raise Conflict(
                f"{spec.service} {spec.version} already has a different spec on the broker "
                f"(content {row.content_hash[:12]}); give the changed spec a new version, "
                "or use --force to replace it",
                field="spec.content_hash",
            )
        values = {"content_hash": spec.content_hash, "uploaded_at": stamp(spec.uploaded_at)}
        if row is None:
            connection.execute(
                spec_versions.insert().values(
                    service=spec.service, version=spec.version, doc=_doc(spec), **values
                )
            )
        else:
            connection.execute(
                update(spec_versions)
                .where(
                    spec_versions.c.service == spec.service,
                    spec_versions.c.version == spec.version,
                )
                .values(doc=_doc(spec), **values)
            )
        _register(
            connection,
            ServiceVersion(service=spec.service, version=spec.version, spec_hash=spec.content_hash),
        )
        events_db.append(
            connection,
            Kind.SPEC_UPLOADED,
            {"service": spec.service, "version": spec.version, "content_hash": spec.content_hash},
        )
    return spec, True


def specs_of(engine: Engine, service: str, version: str | None = None) -> list[SpecVersion]:
    """``service``'s spec versions, oldest first."""
    statement = (
        select(spec_versions.c.doc)
        .where(spec_versions.c.service == service)
        .order_by(spec_versions.c.uploaded_at)
    )
    if version is not None:
        statement = statement.where(spec_versions.c.version == version)
    with engine.connect() as connection:
        return [SpecVersion.model_validate_json(d) for d in connection.execute(statement).scalars()]


def all_spec_keys(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(spec_versions.c.service, spec_versions.c.version))
        return {(r.service, r.version) for r in rows}


# -- environments ------------------------------------------------------------------------


def _ensure_environment(
    connection: Connection, name: str, production: bool | None = None
) -> Environment:
    row = connection.execute(select(environments).where(environments.c.name == name)).first()
    if row is None:
        made = Environment(name=name, production=bool(production))
        inserted = connection.execute(
            _insert(connection, environments)
            .values(name=name, production=made.production, created_at=stamp(made.created_at))
            .on_conflict_do_nothing()
        )
        if inserted.rowcount:
            events_db.append(
                connection,
                Kind.ENVIRONMENT_CREATED,
                {"name": name, "production": made.production},
            )
        return made
    current = _environment(row)
    if production is not None and current.production != production:
        connection.execute(
            update(environments).where(environments.c.name == name).values(production=production)
        )
        current = current.model_copy(update={"production": production})
    return current


def _environment(row: Any) -> Environment:
    return Environment(
        name=row.name, production=bool(row.production), created_at=row.created_at + "Z"
    )


def create_environment(engine: Engine, name: str, production: bool) -> Environment:
    with writing(engine) as connection:
        return _ensure_environment(connection, name, production)


def environments_of(engine: Engine) -> list[Environment]:
    with engine.connect() as connection:
        rows = connection.execute(select(environments).order_by(environments.c.name)).all()
    return [_environment(r) for r in rows]


# -- deployments -------------------------------------------------------------------------


def _log(connection: Connection, service: str | None, environment: str | None) -> list[Deployment]:
    statement = select(deployments.c.doc).order_by(deployments.c.seq)
    if service is not None:
        statement = statement.where(deployments.c.service == service)
    if environment is not None:
        statement = statement.where(deployments.c.environment == environment)
    return [Deployment.model_validate_json(d) for d in connection.execute(statement).scalars()]


def _marked(log: list[Deployment]) -> list[Deployment]:
    live = {d.id for d in active_of(log).values()}
    return [d.model_copy(update={"active": d.id in live}) for d in log]


def _add_deployment(connection: Connection, deployment: Deployment) -> bool:
    done = connection.execute(
        _insert(connection, deployments)
        .values(
            id=deployment.id,
            service=deployment.service,
            version=deployment.version,
            environment=deployment.environment,
            status=str(deployment.status),
            deployed_at=stamp(deployment.deployed_at),
            doc=_doc(deployment),
        )
        .on_conflict_do_nothing()
    )
    return bool(done.rowcount)


def _deployment_event(connection: Connection, deployment: Deployment, previous: str | None) -> None:
    events_db.append(
        connection,
        Kind.DEPLOYMENT_RECORDED,
        {
            "id": deployment.id,
            "service": deployment.service,
            "version": deployment.version,
            "environment": deployment.environment,
            "status": str(deployment.status),
            "deployed_by": deployment.deployed_by,
            "previous": previous,
        },
    )


def record_deployment(engine: Engine, deployment: Deployment) -> Deployment:
    """Add a deployment (idempotent by id); its environment made, its version registered."""
    with writing(engine) as connection:
        before = active_of(_log(connection, deployment.service, deployment.environment))
        _ensure_environment(connection, deployment.environment)
        given = {"role": deployment.role, "git_sha": deployment.git_sha}
        _register(
            connection,
            ServiceVersion.model_validate(
                {
                    "service": deployment.service,
                    "version": deployment.version,
                    **{k: v for k, v in given.items() if v is not None},
                }
            ),
        )
        if _add_deployment(connection, deployment):
            current = before.get((deployment.service, deployment.environment))
            _deployment_event(connection, deployment, None if current is None else current.version)
    return deployment.model_copy(
        update={"active": deployment.status is DeploymentStatus.SUCCESSFUL}
    )


def undeploy(engine: Engine, service: str, environment: str, by: str | None) -> Deployment:
    with writing(engine) as connection:
        current = active_of(_log(connection, service, environment)).get((service, environment))
        if current is None:
            raise NotFound(f"{service} is not deployed to {environment}", field="service")
        gone = Deployment(
            service=service,
            version=current.version,
            environment=environment,
            deployed_by=by,
            status=DeploymentStatus.UNDEPLOYED,
            active=False,
        )
        _add_deployment(connection, gone)
        _deployment_event(connection, gone, current.version)
    return gone


def deployments_of(
    engine: Engine,
    service: str | None = None,
    environment: str | None = None,
    active: bool | None = None,
) -> list[Deployment]:
    with engine.connect() as connection:
        marked = _marked(_log(connection, service, environment))
    if active is None:
        return marked
    return [d for d in marked if d.active == active]


# -- releases ----------------------------------------------------------------------------


def _release_key(service: str, version: str, environment: str) -> Any:
    return (
        (releases.c.service == service)
        & (releases.c.version == version)
        & (releases.c.environment == environment)
    )


def _release_event(connection: Connection, release: Release) -> None:
    events_db.append(
        connection,
        Kind.RELEASE_RECORDED,
        {
            "service": release.service,
            "version": release.version,
            "environment": release.environment,
            "supported": release.supported,
        },
    )


def record_release(engine: Engine, release: Release) -> Release:
    """A release (again: support resumes, the first release time stays)."""
    with writing(engine) as connection:
        _ensure_environment(connection, release.environment)
        _register(connection, ServiceVersion(service=release.service, version=release.version))
        key = _release_key(release.service, release.version, release.environment)
        doc = connection.execute(select(releases.c.doc).where(key)).scalar()
        if doc is not None:
            release = Release.model_validate_json(doc).model_copy(update={"support_ended_at": None})
            connection.execute(
                update(releases).where(key).values(support_ended_at=None, doc=_doc(release))
            )
        else:
            connection.execute(
                releases.insert().values(
                    service=release.service,
                    version=release.version,
                    environment=release.environment,
                    released_at=stamp(release.released_at),
                    support_ended_at=None,
                    doc=_doc(release),
                )
            )
        _release_event(connection, release)
    return release


def end_support(engine: Engine, service: str, version: str, environment: str) -> Release:
    with writing(engine) as connection:
        key = _release_key(service, version, environment)
        doc = connection.execute(select(releases.c.doc).where(key)).scalar()
        if doc is None:
            raise NotFound(f"{service} {version} was never released to {environment}")
        release = Release.model_validate_json(doc)
        ended = release.model_copy(
            update={"support_ended_at": release.support_ended_at or utc_now()}
        )
        connection.execute(
            update(releases)
            .where(key)
            .values(support_ended_at=stamp(ended.support_ended_at or utc_now()), doc=_doc(ended))
        )
        _release_event(connection, ended)
    return ended


def releases_of(
    engine: Engine,
    service: str | None = None,
    environment: str | None = None,
    supported: bool | None = None,
) -> list[Release]:
    statement = select(releases.c.doc).order_by(releases.c.released_at)
    if service is not None:
        statement = statement.where(releases.c.service == service)
    if environment is not None:
        statement = statement.where(releases.c.environment == environment)
    if supported is not None:
        column = releases.c.support_ended_at
        statement = statement.where(column.is_(None) if supported else column.is_not(None))
    with engine.connect() as connection:
        return [Release.model_validate_json(d) for d in connection.execute(statement).scalars()]
