"""``entente can-i-deploy`` (the gate CI runs before a deployment) and ``entente matrix``
(an environment's readiness)."""

from __future__ import annotations

import json
import sys
import time

import click

from entente_daemon.cli.deploy_commands import named
from entente_daemon.client.deploy_wire import DeployDecision, DeployQuestion, ReadinessMatrix
from entente_daemon.records import open_records
from entente_daemon.records.deploy_answers import service_at_version

SYMBOL = {"verified": "✔", "failed": "✘", "unknown": "?", "ignored": "-"}
COLOUR = {"verified": "green", "failed": "red", "unknown": "yellow", "ignored": None}
ANSWER_COLOUR = {"yes": "green", "no": "red", "unknown": "yellow"}
SEMVER = click.Choice(["none", "patch", "minor"])


@click.command("can-i-deploy")
@click.option("--service", "--name", "service", help="The service (default: this project's).")
@click.option("--service-version", help="Default: this project's version.")
@click.option("--environment", required=True, help="Where it would be deployed.")
@click.option(
    "--type",
    "role",
    type=click.Choice(["consumer", "provider"]),
    help="Accepted for the original tool's scripts; a service is checked in every role.",
)
@click.option("--ignore", multiple=True, help="Leave this counterpart out (repeatable).")
@click.option(
    "--with",
    "with_versions",
    multiple=True,
    metavar="SERVICE@VERSION",
    help="Answer as if SERVICE@VERSION ran in the environment too (repeatable).",
)
@click.option("--semver-compatibility", type=SEMVER, default="none", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The stable JSON shape (see the README).")
@click.option("--dry-run", is_flag=True, help="Print the answer, and always exit 0.")
@click.option(
    "--retry-while-unknown",
    type=click.IntRange(min=0),
    default=0,
    help="Ask again up to N times while the answer is unknown (a verification may be running).",
)
@click.option("--retry-interval", type=click.FloatRange(min=0), default=10.0, show_default=True)
def can_i_deploy(
    service: str | None,
    service_version: str | None,
    environment: str,
    role: str | None,
    ignore: tuple[str, ...],
    with_versions: tuple[str, ...],
    semver_compatibility: str,
    as_json: bool,
    dry_run: bool,
    retry_while_unknown: int,
    retry_interval: float,
) -> None:
    """Is this version of a service safe to deploy to ENVIRONMENT? Exit 0 for yes, 1 for no
    or unknown (only yes is safe), 2 for a usage or connection error."""
    who = named(service, service_version)
    for text in with_versions:
        try:
            service_at_version(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--with") from None
    question = DeployQuestion.model_validate(
        {
            "service": who.service,
            "version": who.version,
            "environment": environment,
            "ignore": list(ignore),
            "with": list(with_versions),
            "semver_compatibility": semver_compatibility,
        }
    )
    for attempt in range(retry_while_unknown + 1):
        with open_records() as records:
            decision = records.can_i_deploy(question)
        if decision.summary.answer != "unknown" or attempt == retry_while_unknown:
            break
        click.echo(
            f"the answer is unknown; asking again in {retry_interval:g} s "
            f"({attempt + 1} of {retry_while_unknown})",
            err=True,
        )
        time.sleep(retry_interval)
    if as_json:
        click.echo(json.dumps(decision.model_dump(mode="json", by_alias=True), indent=2))
    else:
        print_decision(decision)
    if not dry_run and not decision.summary.deployable:
        sys.exit(1)


def print_decision(decision: DeployDecision) -> None:
    summary = decision.summary
    click.secho(
        f"can {summary.service} {summary.version} deploy to {summary.environment}? "
        f"{summary.answer.upper()}",
        fg=ANSWER_COLOUR[summary.answer],
        bold=True,
    )
    if decision.pairs:
        click.echo("")
        for pair in decision.pairs:
            provider = f"{pair.provider} {pair.provider_version or '(none)'}"
            mark = click.style(SYMBOL[pair.state], fg=COLOUR[pair.state])
            click.echo(
                f"  {mark} {pair.state:<8} {pair.consumer} {pair.consumer_version} → {provider}"
            )
            click.echo(f"      {pair.reason}")
            used = pair.verification
            if used is not None:
                click.echo(
                    f"      verification {used.id[:12]} of {pair.provider} "
                    f"{used.provider_version}, {used.finished_at:%Y-%m-%d %H:%M}: "
                    f"{used.passed} passed, {used.failed} failed"
                )
    click.echo("")
    for reason in summary.reasons:
        click.echo(f"  {reason}")
    if summary.next_steps:
        click.echo("\nnext:")
        for step in summary.next_steps:
            click.echo(f"  {step}")


@click.command("matrix")
@click.option("--environment", required=True)
@click.option("--semver-compatibility", type=SEMVER, default="none", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def matrix(environment: str, semver_compatibility: str, as_json: bool) -> None:
    """The readiness of ENVIRONMENT: every consumer version live there or a candidate,
    against each provider version live there or that verified it."""
    with open_records() as records:
        found = records.readiness(environment, semver_compatibility)
    if as_json:
        click.echo(json.dumps(found.model_dump(mode="json"), indent=2))
        return
    print_matrix(found)


def print_matrix(found: ReadinessMatrix) -> None:
    click.secho(f"{found.environment}", bold=True)
    if found.live:
        live = ", ".join(f"{e.service} {e.version}" for e in found.live)
        click.echo(f"  live: {live}")
    else:
        click.echo("  nothing is live here yet")
    if not found.cells:
        click.echo("  no consumer has a contract yet")
        return
    for cell in found.cells:
        consumer = f"{cell.consumer} {cell.consumer_version}" + ("" if cell.consumer_live else " ◦")
        provider = f"{cell.provider} {cell.provider_version or '(none)'}" + (
            "" if cell.provider_live else " ◦"
        )
        mark = click.style(SYMBOL[cell.state], fg=COLOUR[cell.state])
        click.echo(f"  {mark} {cell.state:<8} {consumer:<32} → {provider}")
    click.echo("  (◦: a candidate, not live here)")
