"""``entente fixtures check``: recheck approved fixtures against their provider's spec and
flag those that no longer fit (`entente_daemon.fixtures.flags`).

The spec of each provider: ``--spec FILE``; else the project's configuration (a consumed
provider's ``spec``, or the spec this project provides); else the newest version published
to the local store. The results are stored, and changed flags announced as
``fixture.flagged``: through the daemon when it runs, else in the local store. Exits 1 when
any fixture is flagged, so that CI can stop on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from entente_daemon.cli.fixtures_check import configured_spec
from entente_daemon.fixtures.flags import FlagReport
from entente_daemon.model import FixtureStatus
from entente_daemon.records import NoSpecError, Records, SpecTarget, open_records

FLAG = "⚑"
SHORT_ID = 8


@click.command("check")
@click.option(
    "--service", help="Only this provider's fixtures (default: every provider with approved ones)."
)
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The provider's spec (default: the project's config, else the newest published).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def check_command(service: str | None, spec_path: Path | None, as_json: bool) -> None:
    """Recheck approved fixtures against their provider's spec; flag those that no longer fit.

    Flags are stored (through the daemon when it runs), shown by `entente fixtures list` and
    `show`, and listed as alerts by the daemon. Exits 1 when any fixture is flagged.
    """
    reports: list[FlagReport] = []
    skipped: list[str] = []
    with open_records() as records:
        if service is not None:
            providers = [service]
        else:
            approved = records.fixtures(status=FixtureStatus.APPROVED)
            providers = sorted({f.provider for f in approved})
        if spec_path is not None and len(providers) > 1:
            raise click.UsageError(
                f"--spec is one provider's spec; add --service (approved fixtures of: "
                f"{', '.join(providers)})"
            )
        for provider in providers:
            try:
                target = spec_target(provider, spec_path, records)
            except NoSpecError as exc:
                if service is not None:
                    raise
                skipped.append(str(exc))
                continue
            reports.append(records.check_fixtures(provider, target))
        source = records.source
    if skipped and not reports:
        raise NoSpecError("nothing checked: " + "; ".join(skipped))
    if as_json:
        body = {"source": source, "reports": [r.to_json() for r in reports], "skipped": skipped}
        click.echo(json.dumps(body, indent=2))
    else:
        _print(reports, skipped, source, service)
    if any(r.flagged for r in reports):
        raise SystemExit(1)


def spec_target(provider: str, explicit: Path | None, records: Records) -> SpecTarget:
    """Which spec to check ``provider``'s fixtures against (see the module docstring)."""
    if explicit is not None:
        return SpecTarget(path=explicit.resolve())
    configured = configured_spec(provider)
    if configured is not None:
        return SpecTarget(path=configured)
    latest = records.latest_spec(provider)  # the local store's, either way
    if latest is None:
        raise NoSpecError(
            f"no spec known for provider {provider!r}: give one with --spec, or run this in a "
            "project whose entente.toml names it ([[providers]] spec, or [provider] spec)"
        )
    return SpecTarget(version=latest.version)


def _print(reports: list[FlagReport], skipped: list[str], source: str, service: str | None) -> None:
    if not reports and not skipped:
        which = f" of {service}" if service else ""
        click.echo(f"no approved fixtures{which} to check")
    for report in reports:
        click.echo(
            f"{report.provider}: {report.checked} approved fixture(s) checked against "
            f"{report.spec}: {len(report.flagged)} flagged"
        )
        for fixture in sorted(report.flagged, key=lambda f: f.id):
            click.echo(
                f"  {FLAG} {fixture.id[:SHORT_ID]} {fixture.operation_id} → "
                f"{fixture.response.status}"
                + (" (newly flagged)" if fixture.id in report.announced else "")
            )
            click.echo("\n".join(f"      - {problem}" for problem in fixture.problems))
        for cleared in report.cleared:
            click.echo(f"  {cleared[:SHORT_ID]} fits again: its flag is cleared")
    for message in skipped:
        click.echo(f"skipped: {message}", err=True)
    if reports:
        where = "through the daemon" if source == "daemon" else "in the local store"
        click.echo(f"(flags stored {where})")
