"""``entente verify`` (replay what consumers recorded against a running provider) and
``entente verifications list`` (the results stored so far)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from entente_daemon.config import ProjectConfig, find_config, load_project_config
from entente_daemon.errors import ConfigError
from entente_daemon.model import Interaction, VerificationResult
from entente_daemon.verify.provider import (
    Provider,
    VerificationReport,
    VerifyError,
    create_provider,
)
from entente_daemon.verify.reach import check_listening
from entente_daemon.verify.runner import OnMissing
from entente_daemon.verify.state_loading import load_object, load_state_handlers

#: Set for the state handlers by ``entente verify``: where the provider runs, so handlers
#: that prepare it over HTTP know where to go.
PROVIDER_URL_ENV = "ENTENTE_PROVIDER_URL"


def _provider(
    provider: str | None, spec: Path | None, version: str | None
) -> tuple[Provider, ProjectConfig | None]:
    """This project's provider when it is the one asked for (or none is named), with the
    project's config (its [provider] settings are the defaults); else the named one."""
    config = None
    try:
        find_config(Path.cwd())
    except ConfigError:
        pass  # not in a project
    else:
        try:
            config = load_project_config(Path.cwd())
        except ConfigError as exc:
            if provider is None:
                raise  # this project's provider is meant: its configuration must be fixed
            click.secho(
                f"warning: ignoring the project configuration: {exc}", fg="yellow", err=True
            )
    ours = config is not None and config.provided_spec is not None
    if config is not None and ours and provider in (None, config.provided_name):
        target = create_provider(config.file, name=provider, version=version, spec=spec)
        return target, config
    if provider is None:
        raise VerifyError("no --provider given and no entente.toml with a [provider] table here")
    return create_provider(name=provider, version=version, spec=spec), None


@contextmanager
def _progress_bar(console: Console, enabled: bool) -> Iterator[tuple[Any, Any]]:
    if not enabled:
        yield None, None
        return
    with Progress(
        TextColumn("verifying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def start(total: int) -> None:
            bar.update(task, total=total)

        def step(interaction: Interaction, _result: VerificationResult) -> None:
            label = f"{interaction.request.method} {interaction.request.path}"
            bar.update(task, advance=1, description=label)

        yield start, step


@click.command("verify")
@click.option("--provider", help="The provider's name (default: this project's [provider]).")
@click.option(
    "--base-url",
    help="Where the provider runs: http://127.0.0.1:8000 (default: [provider] base_url).",
)
@click.option(
    "--spec",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The provider's spec (default: [provider] spec, else the newest published one).",
)
@click.option(
    "--state-handlers",
    help="module:attr, a dict of operationId/state → handler (default: [provider] "
    "state_handlers, importable from the project folder).",
)
@click.option("--cleanup", help="module:attr, a function called after each interaction.")
@click.option(
    "--on-missing",
    type=click.Choice(["fail", "continue"]),
    default=None,
    help="An interaction without a state handler fails, or is replayed without state "
    "(default: [provider] on_missing, else fail).",
)
@click.option("--environment", help="Where the provider runs (default: the project's, else local).")
@click.option("--provider-version", help="Default: the project's version.")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), help="JUnit XML file.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--only-new", is_flag=True, help="Skip what this provider version passed before.")
@click.option("--run-id", hidden=True, help="The run a daemon reserved for this verification.")
def verify_command(
    provider: str | None,
    base_url: str | None,
    spec: Path | None,
    state_handlers: str | None,
    cleanup: str | None,
    on_missing: OnMissing | None,
    environment: str | None,
    provider_version: str | None,
    junit: Path | None,
    as_json: bool,
    only_new: bool,
    run_id: str | None,
) -> None:
    """Replay the interactions consumers recorded against a running provider.

    In a provider project, its [provider] base_url, state_handlers and on_missing are the
    defaults of the options. State handlers find the provider's URL in $ENTENTE_PROVIDER_URL.
    Exit code 0 when every interaction passes, 1 when any fails, 2 when it cannot run
    (nothing listening at the base URL, a bad option or setting).
    """
    target, config = _provider(provider, spec, provider_version)
    root = None if config is None else config.root
    base_url = base_url or (None if config is None else config.provided_base_url)
    if base_url is None:
        raise VerifyError(
            "no --base-url given"
            + ("" if config is None else f" and {config.file} sets no [provider] base_url")
            + ": say where the provider runs (http://127.0.0.1:8000)"
        )
    handlers = None
    if state_handlers:
        handlers = load_state_handlers(state_handlers, root)
    elif config is not None and config.provided_state_handlers:
        where = f"[provider] state_handlers of {config.file}"
        handlers = load_state_handlers(config.provided_state_handlers, root, where)
    cleanup_hook = load_object(cleanup, "--cleanup", root) if cleanup else None
    if cleanup_hook is not None and not callable(cleanup_hook):
        raise VerifyError(f"--cleanup {cleanup!r} is not callable")
    check_listening(base_url)
    missing: OnMissing = on_missing or (config and config.provided_on_missing) or "fail"
    environment = environment or (config.environment if config is not None else "local")
    os.environ[PROVIDER_URL_ENV] = base_url
    console = Console(stderr=True, highlight=False)
    with _progress_bar(console, not as_json and console.is_terminal) as (start, step):
        report = target.verify(
            base_url,
            environment=environment,
            state_handlers=handlers,
            cleanup=cleanup_hook,
            on_missing=missing,
            only_new=only_new,
            progress=step,
            on_start=start,
            run_id=run_id,
        )
    if junit is not None:
        write_junit(report, junit)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        print_report(report)
    if not report.ok:
        raise SystemExit(1)


def print_report(report: VerificationReport) -> None:
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("consumer", "interactions", "passed", "failed"):
        table.add_column(column)
    for v in report.verifications:
        table.add_row(
            f"{v.consumer} {v.consumer_version}", str(len(v.results)), str(v.passed), str(v.failed)
        )
    console.print(f"{report.provider} {report.provider_version} ({report.environment})")
    if report.hint:
        console.print(Text.assemble(("hint: ", "yellow"), report.hint), soft_wrap=True)
    if report.verifications:
        console.print(table)
    for outcome in report.outcomes:
        if outcome.result.ok:
            continue
        request = outcome.interaction.request
        console.print(
            f"[red]FAILED[/red] {outcome.interaction.consumer}: {request.method} {request.path}"
        )
        if not outcome.mismatches:
            kind = outcome.result.error_kind.value if outcome.result.error_kind else "failed"
            console.print(f"  {kind}: {outcome.result.message}", markup=False)
        for m in outcome.mismatches:
            where = m.path or "(response)"
            console.print(f"  {m.kind.value} at {where}", markup=False)
            console.print(f"    expected: {json.dumps(m.expected, default=str)}", markup=False)
            console.print(f"    actual:   {json.dumps(m.actual, default=str)}", markup=False)
            console.print(f"    {m.message}", markup=False)
    skipped = f", {report.skipped} skipped (passed before)" if report.skipped else ""
    console.print(f"{report.passed} passed, {report.failed} failed{skipped}")
    if report.fixtures:
        console.print(f"{len(report.fixtures)} new draft fixture(s) from the provider's answers")
    left_out = left_out_line(report)
    if left_out:
        console.print(left_out, markup=False)
    if report.note:
        console.print(f"[yellow]note:[/yellow] {report.note}")


def left_out_line(report: VerificationReport) -> str | None:
    """What was recorded but not replayed, and why; None when nothing was left out."""
    parts = []
    if report.exploratory:
        parts.append(
            f"{report.exploratory} exploratory interaction(s) (no test made them; "
            "`entente interactions promote ID` adds one to the contract)"
        )
    if report.older_runs:
        parts.append(f"{report.older_runs} from older test runs (each version's latest counts)")
    return f"not replayed: {'; '.join(parts)}" if parts else None


def write_junit(report: VerificationReport, path: Path) -> None:
    """One test suite per consumer version, one test case per interaction."""
    suites = ElementTree.Element("testsuites", name=f"entente verify {report.provider}")
    by_consumer: dict[str, list[Any]] = {}
    for outcome in report.outcomes:
        key = f"{outcome.interaction.consumer} {outcome.interaction.consumer_version}"
        by_consumer.setdefault(key, []).append(outcome)
    for consumer, outcomes in by_consumer.items():
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=consumer,
            tests=str(len(outcomes)),
            failures=str(sum(1 for o in outcomes if not o.result.ok)),
        )
        for o in outcomes:
            request = o.interaction.request
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"{report.provider}.{o.result.operation_id or 'unknown'}",
                name=f"{request.method} {request.path} [{o.interaction.content_hash[:12]}]",
                time=f"{o.result.duration_ms / 1000:.3f}",
            )
            if not o.result.ok:
                failure = ElementTree.SubElement(
                    case,
                    "failure",
                    type=o.result.error_kind.value if o.result.error_kind else "failed",
                    message=f"{o.result.path or ''} {o.result.message or ''}".strip()[:500],
                )
                failure.text = o.result.message
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


@click.group("verifications")
def verifications_group() -> None:
    """Stored provider verification results."""


@verifications_group.command("list")
@click.option("--provider", help="Only this provider's.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_verifications(provider: str | None, as_json: bool) -> None:
    """List stored verifications, oldest first."""
    from entente_daemon.records import open_records

    with open_records() as records:
        items = records.verifications(provider)
    items.sort(key=lambda v: v.started_at)
    if as_json:
        click.echo(json.dumps({"verifications": [v.to_json() for v in items]}, indent=2))
        return
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("time", "provider", "consumer", "environment", "passed", "failed", "ok"):
        table.add_column(column)
    for v in items:
        table.add_row(
            v.started_at.strftime("%m-%d %H:%M:%S"),
            f"{v.provider} {v.provider_version}",
            f"{v.consumer} {v.consumer_version}",
            v.environment,
            str(v.passed),
            str(v.failed),
            "yes" if v.ok else "NO",
        )
    if items:
        console.print(table)
    console.print(f"{len(items)} verification(s)")
