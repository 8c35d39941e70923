"""``entente fixtures``: review the request/response pairs mocks may answer with.

Only approved fixtures feed mocks, so this is the approval workflow: list the drafts, look at
one (and whether it still fits the provider's spec), approve or reject it, keep notes. Ids may
be shortened to any unique prefix. Goes through the daemon when it runs, else the local store
(see `entente_daemon.records`).

An approved fixture that no longer fits its provider's spec is *flagged* (the daemon rechecks
them whenever a hosted mock's spec loads; ``entente fixtures check`` does it on demand):
``list`` marks it with ``⚑`` (``--flagged`` lists only those) and ``show`` says why.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from entente_daemon.cli.fixtures_check import SpecCheck, find_spec
from entente_daemon.cli.fixtures_flags import FLAG, check_command
from entente_daemon.cli.request_text import request_line
from entente_daemon.fixtures.checks import fixture_problems
from entente_daemon.model import Fixture, FixtureStatus
from entente_daemon.records import (
    FixtureIdError,
    Records,
    Source,
    current_user,
    open_records,
    resolve,
)

SHORT_ID = 8
STATUSES = [s.value for s in FixtureStatus]


def _console() -> Console:
    # Piped output is not cut at 80 columns: keep whole lines for grep.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


@click.group("fixtures")
def fixtures_group() -> None:
    """Fixtures: approved request/response pairs that mocks answer with."""


def _select(
    records: Records,
    service: str | None,
    status: FixtureStatus | None,
    operation: str | None,
) -> list[Fixture]:
    found = records.fixtures(provider=service, status=status)
    return [f for f in found if operation is None or f.operation_id == operation]


@fixtures_group.command("list")
@click.option("--service", help="Only fixtures of this provider.")
@click.option("--status", type=click.Choice(STATUSES), help="Only fixtures in this state.")
@click.option("--operation", help="Only fixtures of this operationId.")
@click.option(
    "--flagged", is_flag=True, help="Only fixtures flagged as no longer fitting their spec."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_fixtures(
    service: str | None, status: str | None, operation: str | None, flagged: bool, as_json: bool
) -> None:
    """List fixtures, oldest first; ⚑ marks those that no longer fit their spec."""
    wanted = FixtureStatus(status) if status else None
    with open_records() as records:
        items = _select(records, service, wanted, operation)
        source = records.source
    if flagged:
        items = [f for f in items if f.flag is not None]
    if as_json:
        body = {"source": source, "fixtures": [f.to_json() for f in items]}
        click.echo(json.dumps(body, indent=2))
        return
    _print_table(items, source)


def _print_table(items: list[Fixture], source: Source) -> None:
    console = _console()
    table = Table(show_edge=False, pad_edge=False, box=None)
    columns = ("id", "provider", "operation", "status", "source", "prio", "resp", "created")
    for column in (*columns, "request", "notes"):
        table.add_column(column, no_wrap=column != "notes")
    for f in items:
        table.add_row(
            f.id[:SHORT_ID],
            f.provider,
            f.operation_id,
            f"{f.status} {FLAG}" if f.flag is not None else str(f.status),
            str(f.source),
            str(f.priority),
            str(f.response.status),
            f.created_at.strftime("%Y-%m-%d %H:%M"),
            request_line(f.request),
            f.notes or "",
        )
    if items:
        console.print(table)
    console.print(f"{len(items)} fixture(s), from the {source}")
    flagged = sum(1 for f in items if f.flag is not None)
    if flagged:
        console.print(
            f"{FLAG} {flagged} flagged: no longer fit their provider's spec "
            "(`entente fixtures show ID` says why)"
        )


@fixtures_group.command("show")
@click.argument("fixture_id")
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The provider's spec to check the response against "
    "(default: the project's config, else the newest published to the local store).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_fixture(fixture_id: str, spec_path: Path | None, as_json: bool) -> None:
    """Show one fixture whole, and whether it still fits the provider's spec."""
    with open_records() as records:
        fixture = resolve(records.fixtures(), fixture_id)
        source = records.source
    found = find_spec(fixture.provider, spec_path)
    check = (
        SpecCheck(None)
        if found is None
        else SpecCheck(found[1], fixture_problems(found[0], fixture))
    )
    if as_json:
        body = {"source": source, "fixture": fixture.to_json(), "spec_check": check.to_json()}
        click.echo(json.dumps(body, indent=2))
        return
    _print_fixture(fixture)
    if check.spec is None:
        click.echo("spec check: no spec found for this provider (give one with --spec)")
    elif not check.problems:
        click.echo(f"spec check: ok, the response fits {check.spec}, and the request too")
    else:
        click.echo(f"spec check: {len(check.problems)} problem(s) against {check.spec}")
        for problem in check.problems:
            click.echo(f"  - {problem}")


def _body_text(body: object) -> str:
    if body is None:
        return "  (no body)"
    text = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)
    return "\n".join(f"  {line}" for line in text.splitlines())


def _print_fixture(f: Fixture) -> None:
    lines = [
        f"fixture   {f.id}",
        f"provider  {f.provider}"
        + (f" (versions {', '.join(f.provider_versions)})" if f.provider_versions else ""),
        f"operation {f.operation_id}",
        f"status    {f.status}"
        + (
            f" by {f.approved_by or 'unknown'} at {f.approved_at:%Y-%m-%d %H:%M}"
            if f.approved_at
            else ""
        ),
        f"source    {f.source}, priority {f.priority}",
        f"created   {f.created_at:%Y-%m-%d %H:%M:%S}",
    ]
    if f.provider_state:
        lines.append(f"state     {f.provider_state}")
    if f.notes:
        lines.append(f"notes     {f.notes}")
    if f.flag is not None:
        lines.append(
            f"flagged   {FLAG} at {f.flag.flagged_at:%Y-%m-%d %H:%M}: no longer fits "
            f"{f.flag.checked_against}"
        )
        lines.extend(f"  - {problem}" for problem in f.flag.problems)
    request, response = f.request, f.response
    query = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
    lines.append("")
    lines.append(f"request   {request.method} {request.path}" + (f"?{query}" if query else ""))
    lines.extend(f"  {name}: {value}" for name, value in request.headers.items())
    lines.append(_body_text(request.body))
    lines.append("")
    lines.append(f"response  {response.status}")
    lines.extend(f"  {name}: {value}" for name, value in response.headers.items())
    lines.append(_body_text(response.body))
    lines.append("")
    click.echo("\n".join(lines))


@fixtures_group.command("approve")
@click.argument("fixture_ids", nargs=-1)
@click.option("--by", help="Who approves (default: your user name).")
@click.option("--service", help="Approve every draft of this provider (instead of ids).")
@click.option("--operation", help="With --service: only drafts of this operationId.")
def approve_fixtures(
    fixture_ids: tuple[str, ...], by: str | None, service: str | None, operation: str | None
) -> None:
    """Approve fixtures by id (or unique prefix), or every draft of a --service."""
    if bool(fixture_ids) == bool(service):
        raise click.UsageError("give fixture ids, or --service (and maybe --operation)")
    if operation and not service:
        raise click.UsageError("--operation goes with --service")
    who = by or current_user()
    with open_records() as records:
        if service:
            targets = _select(records, service, FixtureStatus.DRAFT, operation)
            if not targets:
                what = f"{service}" + (f" {operation}" if operation else "")
                click.echo(f"no draft fixtures of {what} to approve")
                return
        else:
            everything = records.fixtures()
            targets = _unique([resolve(everything, ref) for ref in fixture_ids])
        for fixture in targets:
            if fixture.status is FixtureStatus.APPROVED:
                click.echo(f"{fixture.id[:SHORT_ID]} is already approved")
                continue
            done = records.approve(fixture.id, who)
            click.echo(
                f"approved {_label(done)}"
                + (f" (by {done.approved_by})" if done.approved_by else "")
            )


def _unique(fixtures: list[Fixture]) -> list[Fixture]:
    seen: dict[str, Fixture] = {}
    for f in fixtures:
        seen.setdefault(f.id, f)
    return list(seen.values())


def _label(f: Fixture) -> str:
    return f"{f.id[:SHORT_ID]} {f.provider} {f.operation_id} → {f.response.status}"


@fixtures_group.command("reject")
@click.argument("fixture_id")
@click.option("--note", help="Why (kept in the fixture's notes).")
def reject_fixture(fixture_id: str, note: str | None) -> None:
    """Reject a fixture: mocks will not answer with it."""
    with open_records() as records:
        fixture = resolve(records.fixtures(), fixture_id)
        done = records.reject(fixture.id, note)
    click.echo(f"rejected {_label(done)}" + (f": {done.notes}" if done.notes else ""))


@fixtures_group.command("note")
@click.argument("fixture_id")
@click.argument("text")
def note_fixture(fixture_id: str, text: str) -> None:
    """Replace a fixture's notes with TEXT (an empty TEXT clears them)."""
    with open_records() as records:
        fixture = resolve(records.fixtures(), fixture_id)
        done = records.set_notes(fixture.id, text or None)
    click.echo(f"notes of {_label(done)}: {done.notes or '(none)'}")


fixtures_group.add_command(check_command)

__all__ = ["FixtureIdError", "fixtures_group"]
