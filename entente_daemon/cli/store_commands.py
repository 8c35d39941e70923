"""``entente store``: what the store holds (``stats``) and removing what no longer belongs
to a contract (``prune``).

Through the daemon when it runs (it is the store's one writer, and tells the TUI what was
deleted); else the local store (`entente_daemon.records`). The store keeps at most
``[store] max_interactions_per_key`` distinct interactions per bucket and counts the rest
(sampled); ``prune`` removes older test runs of each consumer version and exploratory
traffic older than ``[store] exploratory_retention_days``.
"""

from __future__ import annotations

import json

import click

from entente_daemon.client.wire import PruneResult, StoreStats
from entente_daemon.errors import ConfigError
from entente_daemon.records import open_records


@click.group("store")
def store_group() -> None:
    """The store of recorded interactions, fixtures and verifications."""


@store_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def stats(as_json: bool) -> None:
    """Records per table and interactions per provider, bytes on disk, and how many
    interactions were sampled out (their bucket was full: counted, not stored)."""
    with open_records() as records:
        found = records.store_stats()
        where = records.describe()
    if as_json:
        click.echo(json.dumps({"source": where, **found.model_dump(mode="json")}, indent=2))
        return
    _print_stats(found, where)


def _print_stats(found: StoreStats, where: str) -> None:
    click.echo(f"store: {found.path} ({_size(found.bytes)} on disk, from {where})")
    for name, count in found.tables.items():
        click.echo(f"  {name:<14} {count}")
    if found.providers:
        click.echo("interactions per provider:")
        for provider, count in found.providers.items():
            click.echo(f"  {provider:<30} {count}")
    total = sum(found.sampled.values())
    bound = found.max_per_key or "no bound"
    click.echo(f"kept per bucket: at most {bound}; sampled: {total} not kept")
    for provider, count in found.sampled.items():
        click.echo(f"  {provider:<30} {count} not kept")


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


@store_group.command("prune")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before removing.")
@click.option(
    "--retention-days",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Remove exploratory traffic older than this (default: [store] "
    "exploratory_retention_days, else 14).",
)
def prune(dry_run: bool, yes: bool, retention_days: float | None) -> None:
    """Remove what no longer belongs to a contract: older test runs of each consumer
    version (promoted interactions stay) and exploratory traffic past its retention age."""
    days = retention_days if retention_days is not None else _configured_retention()
    with open_records() as records:
        plan = records.prune_store(retention_days=days, dry_run=True)
        where = records.describe()
        _print_plan(plan)
        if dry_run or not (plan.older_runs or plan.expired):
            click.echo(f"nothing removed ({where})")
            return
        if not yes:
            click.confirm(
                f"remove these {len(plan.older_runs) + len(plan.expired)} interaction(s)?",
                abort=True,
            )
        done = records.prune_store(retention_days=plan.retention_days, dry_run=False)
    click.echo(f"removed {done.deleted} interaction(s) from {where}")


def _print_plan(plan: PruneResult) -> None:
    click.echo(f"older runs of a consumer version: {len(plan.older_runs)} interaction(s)")
    click.echo(
        f"exploratory, older than {plan.retention_days:g} day(s): "
        f"{len(plan.expired)} interaction(s)"
    )


def _configured_retention() -> float | None:
    """``[store] exploratory_retention_days`` of the project here, if any (a broken
    ``entente.toml`` is an error: it says what is wrong and where)."""
    from entente_daemon.config import find_config, load_project_config

    try:
        file = find_config()
    except ConfigError:
        return None  # not in a project: the default
    return load_project_config(file).store.exploratory_retention_days
