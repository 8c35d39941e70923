"""``entente-daemon``: run and manage the per-user background daemon."""

from __future__ import annotations

from collections.abc import Sequence

import click

from entente_daemon import __version__
from entente_daemon.home import entente_home, store_dir


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="entente-daemon")
def cli() -> None:
    """The Entente daemon: one per user, serving mocks and recording for every project."""


@cli.command("home")
def home() -> None:
    """Print where the daemon keeps its state (ENTENTE_HOME, else the user data folder)."""
    click.echo(f"home:  {entente_home()}")
    click.echo(f"store: {store_dir()}")


def main(argv: Sequence[str] | None = None) -> None:
    cli.main(args=list(argv) if argv is not None else None)
