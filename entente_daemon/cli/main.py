"""``entente``: the command line for people and CI. Each command group lives in its own module."""

from __future__ import annotations

from collections.abc import Sequence

import click

from entente_daemon import __version__
from entente_daemon.cli.attach import auto_attach
from entente_daemon.cli.lazy import LazyGroup
from entente_daemon.cli.runner import run_cli

_CLI = "entente_daemon.cli"
#: Every command: its name → where it is defined (imported only when it runs).
COMMANDS = {
    "attach": f"{_CLI}.projects_commands:attach",
    "broker": f"{_CLI}.broker_commands:broker_group",
    "can-i-deploy": f"{_CLI}.can_i_deploy_command:can_i_deploy",
    "config": f"{_CLI}.config_commands:config_group",
    "coverage": f"{_CLI}.coverage_command:coverage_command",
    "deploy-service": f"{_CLI}.deploy_commands:deploy_service_command",
    "diff": f"{_CLI}.diff_command:diff_command",
    "detach": f"{_CLI}.projects_commands:detach",
    "environments": f"{_CLI}.deploy_commands:environments_group",
    "events": f"{_CLI}.events_command:events",
    "fixtures": f"{_CLI}.fixtures_commands:fixtures_group",
    "interactions": f"{_CLI}.interactions_commands:interactions_group",
    "matrix": f"{_CLI}.can_i_deploy_command:matrix",
    "mock": f"{_CLI}.mock_command:mock_command",
    "pact": f"{_CLI}.pact_commands:pact_group",
    "projects": f"{_CLI}.projects_commands:projects_group",
    "record-release": f"{_CLI}.deploy_commands:record_release",
    "register-service": f"{_CLI}.deploy_commands:register_service",
    "spec": f"{_CLI}.spec_commands:spec_group",
    "status": f"{_CLI}.deploy_commands:status",
    "store": f"{_CLI}.store_commands:store_group",
    "support-ended": f"{_CLI}.deploy_commands:support_ended",
    "sync": f"{_CLI}.sync_command:sync_group",
    "undeploy-service": f"{_CLI}.deploy_commands:undeploy_service",
    "upload-spec": f"{_CLI}.deploy_commands:upload_spec",
    "verifications": f"{_CLI}.verify_commands:verifications_group",
    "verify": f"{_CLI}.verify_commands:verify_command",
}

# Commands run inside a project attach it to the running daemon. Not `mock`: the daemon
# would then serve the project's mocks on the very ports `entente mock` is about to take.
ATTACHING_COMMANDS = frozenset({"config", "interactions"})


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="entente")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Entente: schema-first contract testing on your workstation.

    Mocks from OpenAPI that record what consumers do, provider verification that replays it,
    fixtures approved from real responses, and can-i-deploy.
    """
    if ctx.invoked_subcommand in ATTACHING_COMMANDS:
        auto_attach()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; errors a user can act on are printed as one line, never as a traceback."""
    run_cli(cli, argv)
