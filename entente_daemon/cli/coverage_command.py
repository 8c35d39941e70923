"""``entente coverage --provider P [--json]``: which consumers (versions, tests) exercise each
operation, status and response field of the provider's spec, and what nobody uses.

The spec, in order: ``--spec PATH``; the one the project's ``entente.toml`` names for the
provider (consumed or provided); the provider's latest registered (uploaded) version. The
recordings are the provider's contract interactions, through the records port.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from entente_daemon.cli.diff_impact import recorded_contracts
from entente_daemon.cli.fixtures_check import configured_spec
from entente_daemon.cli.spec_commands import project_ref_roots
from entente_daemon.diff.coverage import Coverage, Exerciser, coverage_of
from entente_daemon.diff.impact_index import ImpactIndex, short_test
from entente_daemon.errors import EntenteError
from entente_daemon.openapi import Spec, load_spec, load_spec_text
from entente_daemon.records import open_records

#: Tests named per consumer version on a line before "+N more".
SHOWN_TESTS = 3


class NoSpecFound(EntenteError):
    """No spec for the provider: none given, configured or registered."""


@click.command("coverage")
@click.option("--provider", help="The provider (default: the one this project provides).")
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The spec to read (default: the project's, else the latest registered one).",
)
@click.option("--json", "as_json", is_flag=True, help="The stable JSON shape (see the README).")
def coverage_command(provider: str | None, spec_path: Path | None, as_json: bool) -> None:
    """Who exercises each operation, status and response field of a provider's spec, from
    its consumers' recorded contracts; what nobody uses is safe to change."""
    name = provider or _provided_name()
    if name is None:
        raise click.UsageError("give the provider: --provider NAME")
    spec, where = _spec(name, spec_path)
    coverage = coverage_of(spec, ImpactIndex.build(recorded_contracts(name)))
    if as_json:
        shape = {"provider": name, "spec": where, "version": spec.version, **coverage.to_json()}
        click.echo(json.dumps(shape, indent=2))
        return
    click.echo(render_coverage(name, where, spec, coverage))


def _provided_name() -> str | None:
    from entente_daemon.config import load_project_config

    try:
        config = load_project_config()
    except EntenteError:
        return None
    return config.provided_name if config.provided_spec is not None else None


def _spec(provider: str, explicit: Path | None) -> tuple[Spec, str]:
    path = explicit or configured_spec(provider)
    if path is not None:
        return load_spec(path, validate=False, ref_roots=project_ref_roots()), str(path)
    with open_records() as records:
        latest = records.latest_spec(provider)
    if latest is None:
        raise NoSpecFound(
            f"no spec for {provider}: give --spec PATH, run inside the project that names it, "
            "or register one (entente upload-spec)"
        )
    text = json.dumps(latest.spec)
    return load_spec_text(text, f"{latest.id}.json", validate=False), f"{latest.id} (registered)"


# -- text ---------------------------------------------------------------------------------


def _who(used_by: tuple[Exerciser, ...]) -> str:
    if not used_by:
        return "used by nobody"
    parts = []
    for exerciser in used_by:
        tests = [short_test(t) for t in exerciser.tests]
        shown = ", ".join(tests[:SHOWN_TESTS])
        if len(tests) > SHOWN_TESTS:
            shown += f" +{len(tests) - SHOWN_TESTS} more"
        parts.append(f"{exerciser.consumer} {exerciser.version} ({shown})")
    return "; ".join(parts)


def render_coverage(provider: str, where: str, spec: Spec, coverage: Coverage) -> str:
    """A tree: operation, then status, then field, each with who exercises it; then what
    nobody uses."""
    consumers = ", ".join(f"{c} {v}" for c, v in coverage.consumers) or "no recorded consumer"
    lines = [f"Coverage of {provider} {spec.version} ({where}) by {consumers}", ""]
    for operation in coverage.operations:
        head = f"{operation.label}  {operation.operation_id}"
        lines.append(f"{head}  {_who(operation.used_by)}")
        for status in operation.statuses:
            lines.append(f"  {status.status}  {_who(status.used_by)}")
            if not status.used:
                continue
            width = max((len(f.name) for f in status.fields), default=0)
            lines.extend(
                f"    {field.name.ljust(width)}  {_who(field.used_by)}" for field in status.fields
            )
    unused = coverage.unused()
    lines += ["", f"Used by nobody (safe to change): {len(unused)}"]
    lines.extend(f"  {line}" for line in unused)
    if coverage.not_in_spec:
        lines += ["", "Recorded, but not in this spec:"]
        lines.extend(f"  {method} {path}" for method, path in coverage.not_in_spec)
    return "\n".join(lines)
