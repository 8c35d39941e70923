"""``entente interactions``: what consumers recorded, and cleaning it up.

Through the daemon when it runs (it owns the store, and tells the TUI); else straight from
the local store: opened read-only to read, which takes no lock and so never gets in a
writer's way, and briefly as the writer to delete or promote (`entente_daemon.records`).

An interaction a test made is part of its consumer's **contract**; any other is
**exploratory**: shown, never verified, unless promoted (`Interaction.contract`).
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import click
from rich.console import Console
from rich.table import Table

from entente_daemon.cli.request_text import request_line
from entente_daemon.model import Interaction, utc_now
from entente_daemon.records import Records, Source, open_records
from entente_daemon.records.selection import (
    Selection,
    every_interaction,
    parse_age,
    resolve_ids,
)

SHORT_ID = 8
KIND_OPTION = click.option(
    "--contract/--exploratory",
    "contract",
    default=None,
    help="Only contract interactions (made by a test, or promoted), or only exploratory ones.",
)


def _kind(contract: bool | None) -> str | None:
    return None if contract is None else ("contract" if contract else "exploratory")


@click.group("interactions")
def interactions_group() -> None:
    """Recorded interactions (consumer requests and the answers they got)."""


@interactions_group.command("list")
@click.option("--provider", help="Only those with this provider.")
@click.option("--consumer", help="Only those of this consumer.")
@click.option(
    "--test", help="Only those recorded by this test: its node id, or its short name (test_b)."
)
@click.option("--operation", help="Only those of this operationId.")
@KIND_OPTION
@click.option("--limit", type=click.IntRange(0, 1000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=None, help="Default: the newest.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_interactions(
    provider: str | None,
    consumer: str | None,
    test: str | None,
    operation: str | None,
    contract: bool | None,
    limit: int,
    offset: int | None,
    as_json: bool,
) -> None:
    """List recorded interactions, oldest first, ending with the newest. The ``kind``
    column says which are part of their consumer's contract (made by a test, or promoted)
    and which are exploratory (never verified)."""
    with open_records() as records:
        page = records.interactions(
            provider=provider,
            consumer=consumer,
            test=test,
            operation=operation,
            kind=_kind(contract),
            limit=limit,
            offset=offset,
        )
        source = records.source
    items, total, start = page.items, page.total, page.offset
    if as_json:
        body = {
            "source": source,
            "total": total,
            "offset": start,
            "limit": limit,
            "interactions": [{**i.to_json(), "kind": i.kind} for i in items],
        }
        click.echo(json.dumps(body, indent=2))
        return
    _print_table(items, total, start, source)


def _print_table(items: list[Interaction], total: int, start: int, source: Source) -> None:
    # Piped output is not cut at 80 columns: keep whole paths for grep.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    table = Table(show_edge=False, pad_edge=False, box=None)
    columns = ("id", "time", "consumer", "provider", "request", "status", "operation", "test")
    for column in (*columns, "kind", "×"):
        table.add_column(column, no_wrap=column in ("id", "time", "status", "kind", "×"))
    for i in items:
        table.add_row(
            i.id[:SHORT_ID],
            i.timestamp.strftime("%m-%d %H:%M:%S"),
            i.consumer,
            i.provider,
            request_line(i.request),
            str(i.response.status),
            i.operation_id or "",
            i.test_id or "",
            i.kind,
            str(i.count),
        )
    if items:
        console.print(table)
    end = start + len(items)
    shown = f"{start + 1}-{end}" if items else "none"
    console.print(f"{shown} of {total} interaction(s), from the {source}")


@interactions_group.command("delete")
@click.argument("ids", nargs=-1)
@click.option("--provider", help="Those with this provider.")
@click.option("--consumer", help="Those of this consumer.")
@click.option("--consumer-version", help="Those of this consumer version.")
@click.option("--test", help="Those made by this test (its id, or its short name).")
@KIND_OPTION
@click.option(
    "--older-than", metavar="AGE", help="Those last made longer ago than AGE (30m, 12h, 7d)."
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask before deleting many.")
def delete_interactions(
    ids: tuple[str, ...],
    provider: str | None,
    consumer: str | None,
    consumer_version: str | None,
    test: str | None,
    contract: bool | None,
    older_than: str | None,
    yes: bool,
) -> None:
    """Delete recorded interactions: those named by id (as `list` shows them, or whole),
    or every one matching the options (after asking, unless --yes)."""
    age: timedelta | None = None if older_than is None else parse_age(older_than)
    selection = Selection(
        provider=provider,
        consumer=consumer,
        consumer_version=consumer_version,
        test=test,
        kind=_kind(contract),
        before=None if age is None else utc_now() - age,
    )
    if not ids and selection.empty:
        raise click.UsageError(
            "name the interactions to delete: their ids, or options (--consumer, "
            "--consumer-version, --test, --exploratory, --older-than, ...)"
        )
    with open_records() as records:
        chosen = _choose(records, ids, selection)
        if not chosen:
            click.echo(f"no interaction matches; nothing deleted ({records.describe()})")
            return
        if not ids and not yes:
            _show_some(chosen)
            click.confirm(f"delete these {len(chosen)} interaction(s)?", abort=True)
        deleted = records.delete_interactions([i.id for i in chosen])
        where = records.describe()
    click.echo(f"deleted {len(deleted)} interaction(s) from {where}")


@interactions_group.command("promote")
@click.argument("ids", nargs=-1, required=True)
def promote_interactions(ids: tuple[str, ...]) -> None:
    """Make exploratory interactions part of their consumer's contract: from now on they
    are verified like those a test made."""
    with open_records() as records:
        chosen = resolve_ids(every_interaction(records), ids)
        promoted = records.promote_interactions([i.id for i in chosen])
        where = records.describe()
    for i in promoted:
        click.echo(f"{i.id[:SHORT_ID]}  {i.consumer} → {i.provider}  {_request(i)}: contract")
    click.echo(f"promoted {len(promoted)} interaction(s) in {where}")


def _choose(records: Records, ids: tuple[str, ...], selection: Selection) -> list[Interaction]:
    every = every_interaction(records, provider=selection.provider, consumer=selection.consumer)
    named = resolve_ids(every, ids) if ids else every
    return selection.select(named)


def _request(i: Interaction) -> str:
    return f"{i.request.method} {i.request.path}"


def _show_some(chosen: list[Interaction], shown: int = 10) -> None:
    for i in chosen[:shown]:
        test = f"  {i.test_id}" if i.test_id else ""
        click.echo(
            f"  {i.id[:SHORT_ID]}  {i.consumer} {i.consumer_version} → {i.provider}  "
            f"{_request(i)}  {i.kind}{test}"
        )
    if len(chosen) > shown:
        click.echo(f"  ... and {len(chosen) - shown} more")
