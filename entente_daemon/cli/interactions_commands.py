"""``entente interactions``: what consumers recorded.

Through the daemon when it runs (it owns the store); else straight from the local store,
opened read-only, which takes no lock and so never gets in a writer's way
(`entente_daemon.records`).
"""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from entente_daemon.cli.request_text import request_line
from entente_daemon.model import Interaction
from entente_daemon.records import Source, open_records


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
@click.option("--limit", type=click.IntRange(0, 1000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=None, help="Default: the newest.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_interactions(
    provider: str | None,
    consumer: str | None,
    test: str | None,
    operation: str | None,
    limit: int,
    offset: int | None,
    as_json: bool,
) -> None:
    """List recorded interactions, oldest first, ending with the newest."""
    with open_records() as records:
        page = records.interactions(
            provider=provider,
            consumer=consumer,
            test=test,
            operation=operation,
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
            "interactions": [i.to_json() for i in items],
        }
        click.echo(json.dumps(body, indent=2))
        return
    _print_table(items, total, start, source)


def _print_table(items: list[Interaction], total: int, start: int, source: Source) -> None:
    # Piped output is not cut at 80 columns: keep whole paths for grep.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("time", "consumer", "provider", "request", "status", "operation", "test", "×"):
        table.add_column(column, no_wrap=column in ("time", "status", "×"))
    for i in items:
        table.add_row(
            i.timestamp.strftime("%m-%d %H:%M:%S"),
            i.consumer,
            i.provider,
            request_line(i.request),
            str(i.response.status),
            i.operation_id or "",
            i.test_id or "",
            str(i.count),
        )
    if items:
        console.print(table)
    end = start + len(items)
    shown = f"{start + 1}-{end}" if items else "none"
    console.print(f"{shown} of {total} interaction(s), from the {source}")
