"""What runs where, for CI and people: ``register-service``, ``upload-spec``,
``deploy-service``, ``undeploy-service``, ``record-release``, ``support-ended``,
``environments`` and ``status``.

Names and versions default to the project's (``entente.toml`` or ``[tool.entente]``), as
everywhere else; through the daemon when it runs, else the local store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click

from entente_daemon.config import ProjectConfig, load_project_config
from entente_daemon.errors import ConfigError
from entente_daemon.git import git_branch, git_sha
from entente_daemon.model import (
    Deployment,
    DeploymentStatus,
    Release,
    Role,
    ServiceVersion,
    SpecVersion,
    content_hash,
)
from entente_daemon.records import Records, open_records
from entente_daemon.records.store import current_user

ROLES = click.Choice(["consumer", "provider"])


@dataclass(frozen=True)
class Named:
    service: str
    version: str
    folder: Path


def project_or_none() -> ProjectConfig | None:
    """This folder's project, None when there is none (a broken one is an error)."""
    try:
        return load_project_config()
    except ConfigError as exc:
        if "no entente.toml" in str(exc):
            return None
        raise


def named(name: str | None, version: str | None) -> Named:
    """The service and version given, else this project's."""
    project = None if name and version else project_or_none()
    service = name or (project.service if project else None)
    if not service:
        raise click.UsageError("say which service (--name), or run this in an Entente project")
    if version is None and project is not None and project.service == service:
        version = project.version
    if not version:
        raise click.UsageError("say which version (--service-version)")
    folder = project.root if project is not None else Path.cwd()
    return Named(service, version, folder)


@click.command("register-service")
@click.option("--type", "role", type=ROLES, help="The role it plays (default: the project's).")
@click.option("--name", help="The service (default: this project's).")
@click.option("--service-version", help="Default: this project's version.")
@click.option(
    "--spec",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A provider's spec: uploaded for this version too.",
)
@click.option("--environment", help="Also record this version as deployed to ENVIRONMENT.")
@click.option("--branch", help="Default: the git branch of the project's folder.")
def register_service(
    role: str | None,
    name: str | None,
    service_version: str | None,
    spec: Path | None,
    environment: str | None,
    branch: str | None,
) -> None:
    """Register a version of a service (its git commit and branch when found)."""
    who = named(name, service_version)
    project = project_or_none()
    chosen = Role(role) if role else (project.role if project else Role.CONSUMER)
    version = ServiceVersion(
        service=who.service,
        version=who.version,
        role=chosen,
        git_sha=git_sha(who.folder),
        branch=branch or git_branch(who.folder),
    )
    with open_records() as records:
        if spec is not None:
            upload = records.upload_spec(_spec_version(who, spec, version.branch))
            click.echo(_uploaded(upload.spec, upload.stored))
        stored = records.register_version(version)
        click.echo(
            f"registered {stored.service} {stored.version} ({stored.role})"
            + (f" at {stored.git_sha[:12]}" if stored.git_sha else "")
            + (f" on {stored.branch}" if stored.branch else "")
        )
        if environment:
            deployed = records.record_deployment(
                Deployment(
                    service=who.service,
                    version=who.version,
                    environment=environment,
                    deployed_by=current_user(),
                    role=chosen,
                    git_sha=version.git_sha,
                )
            )
            click.echo(f"recorded {deployed.service} {deployed.version} in {environment}")


@click.command("upload-spec")
@click.option("--service", help="The provider (default: this project's).")
@click.option("--service-version", help="Default: this project's version.")
@click.option(
    "--spec",
    "spec_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--branch", help="Default: the git branch of the project's folder.")
@click.option("--force", is_flag=True, help="Replace a different spec stored for this version.")
def upload_spec(
    service: str | None,
    service_version: str | None,
    spec_path: Path,
    branch: str | None,
    force: bool,
) -> None:
    """Store a version of a provider's spec. The same content again changes nothing; a
    different content for a stored version is refused unless --force."""
    who = named(service, service_version)
    spec = _spec_version(who, spec_path, branch or git_branch(who.folder))
    with open_records() as records:
        upload = records.upload_spec(spec, force=force)
    click.echo(_uploaded(upload.spec, upload.stored))


def _spec_version(who: Named, path: Path, branch: str | None) -> SpecVersion:
    from entente_daemon.openapi import load_spec

    loaded = load_spec(path)  # a spec that cannot be served is not uploaded
    document = loaded.document
    return SpecVersion(
        service=who.service,
        version=who.version,
        spec=document,
        content_hash=content_hash(document),
        source=str(path),
        branch=branch,
    )


def _uploaded(spec: SpecVersion, stored: bool) -> str:
    what = "uploaded" if stored else "already stored (the same content)"
    return f"{spec.service} {spec.version}: spec {what} ({spec.content_hash[:12]})"


@click.command("deploy-service")
@click.option("--name", help="The service (default: this project's).")
@click.option("--service-version", help="Default: this project's version.")
@click.option("--environment", required=True)
@click.option("--type", "role", type=ROLES, help="The role it plays (default: the project's).")
@click.option("--git-sha", "sha", help="Default: the git commit of the project's folder.")
@click.option("--deployed-by", help="Default: your user name.")
@click.option("--failed", is_flag=True, help="Record a failed attempt (never active).")
@click.option("--reason", help="Why it failed (with --failed).")
def deploy_service_command(
    name: str | None,
    service_version: str | None,
    environment: str,
    role: str | None,
    sha: str | None,
    deployed_by: str | None,
    failed: bool,
    reason: str | None,
) -> None:
    """Record that a version of a service now runs in ENVIRONMENT: it becomes the active
    version there, the one before it inactive (history is kept). With --failed, a failed
    attempt is recorded instead, and what ran before stays active."""
    if reason and not failed:
        raise click.UsageError("--reason goes with --failed")
    who = named(name, service_version)
    project = project_or_none()
    chosen = Role(role) if role else (project.role if project else None)
    deployment = Deployment(
        service=who.service,
        version=who.version,
        environment=environment,
        deployed_by=deployed_by or current_user(),
        status=DeploymentStatus.FAILED if failed else DeploymentStatus.SUCCESSFUL,
        role=chosen,
        git_sha=sha or git_sha(who.folder),
        reason=reason,
    )
    with open_records() as records:
        before = records_active(records, who.service, environment)
        stored = records.record_deployment(deployment)
    if failed:
        click.echo(
            f"recorded a failed deployment of {stored.service} {stored.version} to "
            f"{environment}"
            + (f": {reason}" if reason else "")
            + (f" ({before} stays active)" if before else "")
        )
        return
    replaced = f" (was {before})" if before and before != stored.version else ""
    click.echo(f"{stored.service} {stored.version} is now active in {environment}{replaced}")


def records_active(records: Records, service: str, environment: str) -> str | None:
    """The version of ``service`` active in ``environment`` (None: none)."""
    active = [d for d in records.deployments(service, environment) if d.active]
    return active[0].version if active else None


@click.command("undeploy-service")
@click.option("--name", required=True, help="The service.")
@click.option("--environment", required=True)
@click.option("--deployed-by", help="Who removed it (default: your user name).")
def undeploy_service(name: str, environment: str, deployed_by: str | None) -> None:
    """Record that a service is gone from ENVIRONMENT."""
    with open_records() as records:
        gone = records.undeploy(name, environment, by=deployed_by or current_user())
    click.echo(f"{gone.service} ({gone.version}) is no longer in {environment}")


@click.command("record-release")
@click.option("--name", help="The service (default: this project's).")
@click.option("--service-version", help="Default: this project's version.")
@click.option("--environment", required=True)
def record_release(name: str | None, service_version: str | None, environment: str) -> None:
    """Record a released version of something many versions of which are live at once (a
    library, a mobile app): it counts as live in ENVIRONMENT until its support ends."""
    who = named(name, service_version)
    release = Release(
        service=who.service,
        version=who.version,
        environment=environment,
        released_by=current_user(),
    )
    with open_records() as records:
        stored = records.record_release(release)
    click.echo(f"{stored.service} {stored.version} is released to {environment}")


@click.command("support-ended")
@click.option("--name", help="The service (default: this project's).")
@click.option("--service-version", help="Default: this project's version.")
@click.option("--environment", required=True)
def support_ended(name: str | None, service_version: str | None, environment: str) -> None:
    """Record that a released version is no longer supported in ENVIRONMENT."""
    who = named(name, service_version)
    with open_records() as records:
        ended = records.end_support(who.service, who.version, environment)
    click.echo(f"{ended.service} {ended.version} is no longer supported in {environment}")


@click.group("environments", invoke_without_command=True)
@click.pass_context
def environments_group(ctx: click.Context) -> None:
    """The environments services are deployed to."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_environments)


@environments_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_environments(as_json: bool = False) -> None:
    """List the environments."""
    with open_records() as records:
        found = records.environments()
    if as_json:
        click.echo(json.dumps([e.to_json() for e in found], indent=2))
        return
    if not found:
        click.echo("no environment yet: `entente environments create NAME`, or deploy to one")
    for environment in found:
        click.echo(environment.name + (" (production)" if environment.production else ""))


@environments_group.command("create")
@click.argument("name")
@click.option("--production", is_flag=True, help="Mark it as a production environment.")
def create_environment(name: str, production: bool) -> None:
    """Create an environment (again: set whether it is production)."""
    with open_records() as records:
        made = records.create_environment(name, production=production)
    click.echo(f"environment {made.name}" + (" (production)" if made.production else ""))


@click.command("status")
@click.option("--environment", help="Only this environment.")
@click.option("--json", "as_json", is_flag=True)
def status(environment: str | None, as_json: bool) -> None:
    """What is live where: each environment's deployed and released versions, when and by
    whom."""
    with open_records() as records:
        deployments = [d for d in records.deployments(environment=environment) if d.active]
        releases = [r for r in records.releases(environment=environment) if r.supported]
    rows = [
        {
            "environment": d.environment,
            "service": d.service,
            "version": d.version,
            "kind": "deployed",
            "since": d.deployed_at.isoformat(),
            "by": d.deployed_by,
        }
        for d in deployments
    ] + [
        {
            "environment": r.environment,
            "service": r.service,
            "version": r.version,
            "kind": "released",
            "since": r.released_at.isoformat(),
            "by": r.released_by,
        }
        for r in releases
    ]
    rows.sort(key=lambda r: (str(r["environment"]), str(r["service"]), str(r["version"])))
    if as_json:
        click.echo(json.dumps({"live": rows}, indent=2))
        return
    if not rows:
        where = f" in {environment}" if environment else ""
        click.echo(f"nothing is deployed{where} yet (`entente deploy-service` records it)")
        return
    current = None
    for row in rows:
        if row["environment"] != current:
            current = row["environment"]
            click.secho(str(current), bold=True)
        by = f" by {row['by']}" if row["by"] else ""
        click.echo(
            f"  {row['service']:<24} {row['version']:<14} {row['kind']:<9} "
            f"{str(row['since'])[:16].replace('T', ' ')}{by}"
        )
