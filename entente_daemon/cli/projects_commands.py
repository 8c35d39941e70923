"""``entente projects list`` and ``entente detach``: the projects the daemon serves.

Only the daemon keeps attached projects, so both go through its client.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from entente_daemon.client import DaemonClient
from entente_daemon.config import find_config
from entente_daemon.errors import ConfigError, EntenteError


class NoDaemon(EntenteError):
    """The daemon is not running: it has no attached projects."""


def _client() -> DaemonClient:
    from entente_daemon.client.endpoint import find_endpoint

    endpoint = find_endpoint(None)
    if endpoint is None:
        raise NoDaemon(
            "the Entente daemon is not running, so no project is attached "
            "(`entente-daemon start` starts it)"
        )
    return DaemonClient(endpoint)


@click.group("projects")
def projects_group() -> None:
    """The projects attached to the daemon (it serves their mocks and watches their files)."""


@projects_group.command("list")
def list_projects() -> None:
    """List the attached projects."""
    with _client() as client:
        projects = client.projects()
    if not projects:
        click.echo("no project is attached")
        return
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("service", "version", "role", "providers", "config"):
        table.add_column(column)
    for p in projects:
        table.add_row(p.service, p.version, p.role, ", ".join(p.providers), p.config)
    console.print(table)


@click.command("detach")
@click.argument("project", required=False, type=click.Path(path_type=Path))
def detach(project: Path | None) -> None:
    """Detach PROJECT (its folder or config file; default: the project here) from the
    daemon: its mocks stop and it is no longer re-attached when the daemon starts. Its
    recorded interactions stay (`entente interactions delete --consumer ...`)."""
    if project is None:
        try:
            target = find_config()
        except ConfigError as exc:
            raise click.UsageError(f"name the project to detach ({exc})") from None
    else:
        target = project.resolve()
    with _client() as client:
        info = client.detach_project(target)
    click.echo(f"detached {info.service} ({info.config})")


@click.command("attach")
@click.argument("project", required=False, type=click.Path(path_type=Path))
def attach(project: Path | None) -> None:
    """Attach PROJECT (its folder or config file; default: the project here) to the daemon:
    it serves its mocks and watches its files. Undoes `entente detach`: commands and test
    runs in a detached project's folder leave it detached until it is attached again."""
    try:
        target = find_config(project.resolve() if project is not None else None)
    except ConfigError as exc:
        raise click.UsageError(f"name the project to attach ({exc})") from None
    if project is not None and project.is_file():
        target = project.resolve()
    with _client() as client:
        info = client.attach_project(target)
    click.echo(f"attached {info.service} ({info.config})")
