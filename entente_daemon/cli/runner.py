"""Running a click group so that errors a user can act on are one line, not a traceback."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from entente_daemon.errors import EntenteError


def run_cli(group: click.Group, argv: Sequence[str] | None = None) -> None:
    """Run ``group``; exit 130 on Ctrl-C, click's code for usage errors, 2 for an
    `EntenteError` (printed as ``error: …``), else 0."""
    try:
        group.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except EntenteError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
    sys.exit(0)
