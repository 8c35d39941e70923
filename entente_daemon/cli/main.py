"""``entente``: the command line for people and CI. Each command group lives in its own module."""

from __future__ import annotations

from collections.abc import Sequence

import click

from entente_daemon import __version__
from entente_daemon.cli.attach import auto_attach
from entente_daemon.cli.can_i_deploy_command import can_i_deploy, matrix
from entente_daemon.cli.config_commands import config_group
from entente_daemon.cli.coverage_command import coverage_command
from entente_daemon.cli.deploy_commands import (
    deploy_service_command,
    environments_group,
    record_release,
    register_service,
    status,
    support_ended,
    undeploy_service,
    upload_spec,
)
from entente_daemon.cli.diff_command import diff_command
from entente_daemon.cli.events_command import events
from entente_daemon.cli.fixtures_commands import fixtures_group
from entente_daemon.cli.interactions_commands import interactions_group
from entente_daemon.cli.mock_command import mock_command
from entente_daemon.cli.projects_commands import attach, detach, projects_group
from entente_daemon.cli.runner import run_cli
from entente_daemon.cli.spec_commands import spec_group
from entente_daemon.cli.store_commands import store_group
from entente_daemon.cli.verify_commands import verifications_group, verify_command

# Commands run inside a project attach it to the running daemon. Not `mock`: the daemon
# would then serve the project's mocks on the very ports `entente mock` is about to take.
ATTACHING_COMMANDS = frozenset({"config", "interactions"})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="entente")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Entente: schema-first contract testing on your workstation.

    Mocks from OpenAPI that record what consumers do, provider verification that replays it,
    fixtures approved from real responses, and can-i-deploy.
    """
    if ctx.invoked_subcommand in ATTACHING_COMMANDS:
        auto_attach()


cli.add_command(spec_group)
cli.add_command(config_group)
cli.add_command(interactions_group)
cli.add_command(events)
cli.add_command(fixtures_group)
cli.add_command(mock_command)
cli.add_command(verify_command)
cli.add_command(verifications_group)
cli.add_command(projects_group)
cli.add_command(attach)
cli.add_command(detach)
for command in (
    register_service,
    upload_spec,
    deploy_service_command,
    undeploy_service,
    record_release,
    support_ended,
    environments_group,
    status,
    can_i_deploy,
    matrix,
):
    cli.add_command(command)
cli.add_command(store_group)
cli.add_command(diff_command)
cli.add_command(coverage_command)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; errors a user can act on are printed as one line, never as a traceback."""
    run_cli(cli, argv)
