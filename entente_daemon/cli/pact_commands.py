"""``entente pact``: Pact interoperability. ``export`` writes a consumer's recorded contract
with a provider as a pact file (V4, or V3); ``import`` stores pact files (V2, V3, V4) as
recorded contract interactions, so ``entente verify``, can-i-deploy, coverage and impact
treat them like any other. See `entente_daemon.pact`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import click

from entente_daemon.pact.files import FileImport, export_pact, import_pacts
from entente_daemon.pact.writing import PactSpec
from entente_daemon.records import open_records


@click.group("pact")
def pact_group() -> None:
    """Pact files: export recordings as pacts, import pacts as recordings."""


@pact_group.command("export")
@click.option("--consumer", required=True, help="The consumer whose contract is written.")
@click.option("--provider", required=True, help="The provider it is a contract with.")
@click.option(
    "--consumer-version",
    default=None,
    help="Which of the consumer's versions (default: the one recorded last).",
)
@click.option(
    "--spec",
    "specification",
    type=click.Choice(["V4", "V3"], case_sensitive=False),
    default="V4",
    show_default=True,
    help="The pact specification version written.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("pacts"),
    show_default=True,
    help="The folder the pact file (CONSUMER-PROVIDER.json) is written to.",
)
@click.option(
    "--openapi",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The provider's OpenAPI file, for the matching rules (default: its newest "
    "published spec, if any).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def export_command(
    consumer: str,
    provider: str,
    consumer_version: str | None,
    specification: str,
    out_dir: Path,
    spec_path: Path | None,
    as_json: bool,
) -> None:
    """Write the contract CONSUMER recorded with PROVIDER as a pact file: one interaction
    per recording, volatile values (ids, uuids, timestamps, generated data) held by
    matching rules instead of equality."""
    with open_records() as records:
        done = export_pact(
            records,
            consumer=consumer,
            provider=provider,
            out_dir=out_dir,
            consumer_version=consumer_version,
            specification=cast(PactSpec, specification.upper()),
            spec_path=spec_path,
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "path": str(done.path),
                    "consumer_version": done.consumer_version,
                    "interactions": done.interactions,
                }
            )
        )
        return
    click.echo(
        f"wrote {done.path}: {done.interactions} interaction(s) of {consumer} "
        f"{done.consumer_version} with {provider} (pact {specification.upper()})"
    )


@pact_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--consumer-version",
    default="0.0.0",
    show_default=True,
    help="The consumer version the pacts stand for.",
)
@click.option(
    "--provider-version",
    default=None,
    help="The provider version they were written against (default: the spec's, else latest).",
)
@click.option(
    "--openapi",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The provider's OpenAPI file, to match requests to operations, when the files are "
    "for one provider (default: each provider's newest published spec, if any).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def import_command(
    paths: tuple[Path, ...],
    consumer_version: str,
    provider_version: str | None,
    spec_path: Path | None,
    as_json: bool,
) -> None:
    """Store pact files (FILE or FOLDER of *.json; V2, V3, V4) as recorded contract
    interactions; one import is one test run of each consumer (import a consumer version's
    files together). Message and plugin interactions are counted, not imported. A file that
    cannot be read is named with what is wrong; the others are still imported (exit 1)."""
    with open_records() as records:
        reports = import_pacts(
            records,
            list(paths),
            consumer_version=consumer_version,
            provider_version=provider_version,
            spec_path=spec_path,
        )
    if as_json:
        click.echo(json.dumps([_report_json(r) for r in reports], indent=2))
    else:
        for report in reports:
            _print_report(report)
    if any(r.error for r in reports):
        raise click.exceptions.Exit(1)


def _report_json(report: FileImport) -> dict[str, Any]:
    return {
        "path": str(report.path),
        "consumer": report.consumer,
        "provider": report.provider,
        "specification": report.specification,
        "imported": report.imported,
        "matched": report.matched,
        "unsupported": dict(report.unsupported),
        "error": report.error,
    }


def _print_report(report: FileImport) -> None:
    if report.error:
        click.secho(f"error: {report.error}", fg="red", err=True)
        return
    line = (
        f"{report.path}: {report.imported} interaction(s) of {report.consumer} with "
        f"{report.provider} imported (pact {report.specification}; "
        f"{report.matched} matched to the spec)"
    )
    click.echo(line)
    skipped = sum(report.unsupported.values())
    if skipped:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.unsupported.items()))
        click.echo(f"  not supported, not imported: {skipped} ({kinds})")
