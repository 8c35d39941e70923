"""Consumer impact for ``entente diff --impact`` (and the recordings ``entente coverage``
reads): a seam, so that the diff command only adds two options and a call.

* `recorded_contracts`: a provider's contract interactions, through the records port (the
  daemon's when it runs, else the local store), the contract rule applied;
* `impact_for`: the `ImpactReport` of a diff, every recorded operation read;
* `render_impact`: text, markdown or JSON, consumers first, then the changes nobody uses;
* `impact_exit_code`: ``--fail-on impact`` exits 1 only when a recorded consumer is broken;
* `print_with_impact`: what ``entente diff`` calls with ``--impact`` (or ``--fail-on
  impact``): the report and its impact printed together (one JSON document for ``--format
  json``), and the exit status.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from entente_daemon.diff.changes import DiffReport, Level
from entente_daemon.diff.impact import ChangeImpact, ImpactReport, impact_of
from entente_daemon.diff.impact_index import ImpactIndex
from entente_daemon.diff.render import to_json, to_markdown, to_text
from entente_daemon.errors import EntenteError
from entente_daemon.model import Interaction
from entente_daemon.openapi import Spec
from entente_daemon.records import open_records
from entente_daemon.records.contracts import contract_interactions

#: The ``--fail-on`` value that fails only on a broken recorded consumer.
FAIL_ON_IMPACT = "impact"

IMPACT_OPTION = click.option(
    "--impact",
    "impact",
    is_flag=True,
    help="Also say which recorded consumer interactions each change breaks (needs --provider "
    "or a project that names the provider).",
)
PROVIDER_OPTION = click.option(
    "--provider",
    "impact_provider",
    default=None,
    help="The provider whose recorded consumers --impact reads (default: the one the "
    "project's entente.toml gives OLD or NEW to).",
)


def recorded_contracts(provider: str) -> list[Interaction]:
    """``provider``'s contract interactions: each consumer version's latest test run and the
    promoted ones (`records.contracts`)."""
    with open_records() as records:
        return contract_interactions(records.provider_interactions(provider))


def provider_of(spec_files: tuple[Path | None, ...]) -> str | None:
    """The provider a diff is about: the one the project's ``entente.toml`` gives one of the
    spec files to (consumed or provided), else None."""
    from entente_daemon.config import load_project_config

    try:
        config = load_project_config()
    except EntenteError:
        return None
    wanted = {p.resolve() for p in spec_files if p is not None}
    if config.provided_spec is not None and config.provided_spec.resolve() in wanted:
        return config.provided_name
    for dependency in config.providers:
        if dependency.spec_path is not None and dependency.spec_path.resolve() in wanted:
            return dependency.name
    return None


def impact_for(
    report: DiffReport,
    old: Spec,
    new: Spec,
    *,
    provider: str | None,
    spec_files: tuple[Path | None, ...] = (),
) -> tuple[str, ImpactReport]:
    """The provider read and the impact of ``report`` on its recorded consumers. A usage
    error when no provider is given or found."""
    name = provider or provider_of(spec_files)
    if name is None:
        raise click.UsageError(
            "--impact needs the provider whose consumers to read: give --provider NAME"
        )
    index = ImpactIndex.build(recorded_contracts(name))
    return name, impact_of(report, old, new, index, everywhere=True)


def impact_exit_code(impact: ImpactReport) -> int:
    """1 when a recorded consumer is broken, else 0 (``--fail-on impact``)."""
    return 1 if impact.broken else 0


def print_with_impact(
    report: DiffReport,
    old: Spec,
    new: Spec,
    *,
    fmt: str,
    fail_on: str | None,
    provider: str | None,
    spec_files: tuple[Path | None, ...],
) -> int:
    """Print ``report`` and its consumer impact in ``fmt``; the exit status (``fail_on``:
    ``impact``, a level, or None)."""
    name, impact = impact_for(report, old, new, provider=provider, spec_files=spec_files)
    if fmt == "json":
        shape = json.loads(to_json(report))
        shape["impact"] = impact_json(name, impact)
        click.echo(json.dumps(shape, indent=2))
    elif fmt == "markdown":
        click.echo(to_markdown(report), nl=False)
        click.echo("\n" + render_impact(name, impact, "markdown"))
    else:
        click.echo(to_text(report))
        click.echo("\n" + render_impact(name, impact, "text"))
    if fail_on == FAIL_ON_IMPACT:
        return impact_exit_code(impact)
    if fail_on is not None and report.at_least(Level(fail_on)):
        return 1
    return 0


# -- output -------------------------------------------------------------------------------


def render_impact(provider: str, impact: ImpactReport, fmt: str = "text") -> str:
    """The impact as ``text``, ``markdown`` or ``json``."""
    if fmt == "json":
        return json.dumps(impact_json(provider, impact), indent=2)
    if fmt == "markdown":
        return _markdown(provider, impact)
    return _text(provider, impact)


def _headline(provider: str, impact: ImpactReport) -> str:
    broken = impact.consumers_broken
    if broken:
        names = ", ".join(f"{name} {version}" for name, version in broken)
        return f"Consumer impact on {provider}: breaks {names}"
    return f"Consumer impact on {provider}: no recorded consumer is broken"


def _groups(impact: ImpactReport) -> tuple[list[ChangeImpact], list[ChangeImpact]]:
    ordered = impact.by_consumers_first()
    used = [c for c in ordered if c.used]
    unused = [c for c in ordered if not c.used and c.change.level.rank >= Level.WARNING.rank]
    return used, unused


def _text(provider: str, impact: ImpactReport) -> str:
    used, unused = _groups(impact)
    lines = [_headline(provider, impact)]
    for item in used:
        change = item.change
        lines.append(f"  {change.level.value} {change.rule}: {change.message}")
        lines.extend(f"    {i.sentence()}" for i in item.impacts)
    if impact.unexplained:
        lines.append("  not explained by any listed change:")
        lines.extend(f"    {i.sentence()}" for i in impact.unexplained)
    for item in unused:
        change = item.change
        lines.append(
            f"  {change.level.value}, but no recorded consumer uses it: "
            f"{change.rule}: {change.message}"
        )
    return "\n".join(lines)


def _markdown(provider: str, impact: ImpactReport) -> str:
    used, unused = _groups(impact)
    lines = [f"### {_headline(provider, impact)}", ""]
    for item in used:
        change = item.change
        lines.append(f"- **{change.level.value}** `{change.rule}`: {change.message}")
        lines.extend(f"  - {_md(i.sentence())}" for i in item.impacts)
    if impact.unexplained:
        lines.append("- not explained by any listed change:")
        lines.extend(f"  - {_md(i.sentence())}" for i in impact.unexplained)
    if unused:
        lines += ["", "Changes no recorded consumer uses:", ""]
        lines.extend(
            f"- {c.change.level.value} `{c.change.rule}`: {c.change.message}" for c in unused
        )
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def impact_json(provider: str, impact: ImpactReport) -> dict[str, Any]:
    """The JSON shape ``--format json`` adds under ``"impact"``."""
    return {"provider": provider, **impact.to_json()}
