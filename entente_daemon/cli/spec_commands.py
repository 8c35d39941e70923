"""``entente spec``: check a spec and list what it serves."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from entente_daemon.config import find_config, load_project_config
from entente_daemon.errors import ConfigError
from entente_daemon.openapi import load_spec


@click.group("spec")
def spec_group() -> None:
    """OpenAPI specs (3.0, 3.1 and Swagger 2.0; YAML or JSON; $refs across files)."""


@spec_group.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def check(path: Path, as_json: bool) -> None:
    """Validate the spec at PATH and print its operations.

    Exits 0 when the spec can be served (warnings included), 2 when it cannot. Its
    `$ref`s may read files in the spec's folder tree and, inside a project, the project's
    folder and those its `[spec] allow_refs_outside` lists.
    """
    spec = load_spec(path, ref_roots=project_ref_roots())
    if as_json:
        click.echo(
            json.dumps(
                {
                    "file": str(path),
                    "title": spec.title,
                    "version": spec.version,
                    "openapi": spec.openapi_version,
                    "files": [str(f) for f in spec.files],
                    "warnings": [str(w) for w in spec.warnings],
                    "operations": [
                        {
                            "method": op.method.upper(),
                            "path": op.path,
                            "operationId": op.operation_id,
                            "responses": sorted(op.responses),
                        }
                        for op in spec.operations
                    ],
                },
                indent=2,
            )
        )
        return
    console = Console(highlight=False)
    console.print(
        f"[bold]{spec.title}[/] {spec.version} · OpenAPI {spec.openapi_version} · "
        f"{len(spec.operations)} operations · {len(spec.files)} file(s)"
    )
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("method", "path", "operationId", "responses"):
        table.add_column(column, style="bold" if column == "method" else None)
    for op in spec.operations:
        table.add_row(op.method.upper(), op.path, op.operation_id, " ".join(sorted(op.responses)))
    console.print(table)
    for warning in spec.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    console.print(
        "[green]ok[/]: the spec can be served"
        + (f" ({len(spec.warnings)} warning(s))" if spec.warnings else "")
    )


def project_ref_roots() -> tuple[Path, ...]:
    """The folders the project around the working directory lets `$ref`s read; none
    outside a project, or when its configuration is broken (said on stderr)."""
    try:
        find_config()
    except ConfigError:
        return ()
    try:
        return load_project_config().spec_ref_roots
    except ConfigError as exc:
        click.secho(f"warning: ignoring the project configuration: {exc}", fg="yellow", err=True)
        return ()
