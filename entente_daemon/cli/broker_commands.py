"""``entente broker``: serve the broker a team runs, migrate its database, manage its keys."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

# The broker's modules (FastAPI, SQLAlchemy, Alembic) load in the commands that use them,
# so that the rest of the CLI starts without them.
SCOPES = ("read", "write", "admin")
DATABASE_ENV = "ENTENTE_BROKER_DATABASE"


def _database(given: str | None) -> str:
    from entente_daemon.broker.database import default_url

    return given or default_url()


def _migrated(given: str | None) -> Engine:
    from entente_daemon.broker.database import migrate, open_engine

    engine = open_engine(_database(given))
    migrate(engine)
    return engine


database_option = click.option(
    "--database",
    envvar=DATABASE_ENV,
    default=None,
    help="SQLAlchemy URL: sqlite:///PATH or postgresql://USER@HOST/DB "
    "(default: SQLite at <ENTENTE_HOME>/broker/broker.db; env ENTENTE_BROKER_DATABASE).",
)


@click.group("broker")
def broker_group() -> None:
    """The broker a team runs: one shared record for every workstation and CI."""


@broker_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8470, show_default=True, type=int, help="0: any free port.")
@database_option
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--keep-days",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Prune interactions and verifications older than this, unless a deployed or "
    "released version needs them (default: keep all).",
)
@click.option("--max-body", default=16 * 1024 * 1024, show_default=True, type=int)
@click.option("--max-batch", default=1000, show_default=True, type=int)
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), default=None)
def serve_command(
    host: str,
    port: int,
    database: str | None,
    workers: int,
    keep_days: float | None,
    max_body: int,
    max_batch: int,
    certfile: str | None,
    keyfile: str | None,
) -> None:
    """Serve the broker's API (``/api/v1/``), migrating its database first."""
    from entente_daemon.broker.serve import Listen, serve
    from entente_daemon.broker.settings import BrokerSettings

    if (certfile is None) != (keyfile is None):
        raise click.UsageError("--certfile and --keyfile go together")
    settings = BrokerSettings(
        database=_database(database),
        keep_days=keep_days,
        max_body=max_body,
        max_batch=max_batch,
    )
    listen = Listen(host, port, workers, certfile, keyfile)
    serve(settings, listen, _say)


@broker_group.command("migrate")
@database_option
def migrate_command(database: str | None) -> None:
    """Bring the database's schema to this version's (`serve` does it too)."""
    from entente_daemon.broker.database import describe_url, migrate, open_engine

    url = _database(database)
    revision = migrate(open_engine(url))
    click.echo(f"{describe_url(url)}: schema revision {revision}")


@broker_group.group("keys")
def keys_group() -> None:
    """API keys: ``read``, ``write`` (and read), ``admin`` (everything)."""


@keys_group.command("create")
@click.option("--name", required=True, help="Who or what the key is for (unique).")
@click.option("--scope", required=True, type=click.Choice(SCOPES))
@database_option
def create_command(name: str, scope: str, database: str | None) -> None:
    """Make a key; it is printed once, alone on the last line, and only its hash is kept."""
    from entente_daemon.broker.keys import Scope, create_key

    key = create_key(_migrated(database), name, Scope(scope))
    click.echo(f"key {name!r} ({scope}) made; keep it now, it is not shown again:")
    click.echo(key)


@keys_group.command("list")
@database_option
def list_command(database: str | None) -> None:
    """The keys: name, scope, made, revoked (never the key)."""
    from entente_daemon.broker.keys import list_keys

    found = list_keys(_migrated(database))
    if not found:
        click.echo("no keys")
    for info in found:
        state = f"revoked {info.revoked_at}" if info.revoked_at else "active"
        click.echo(f"{info.name}\t{info.scope}\tmade {info.created_at}\t{state}")


@keys_group.command("revoke")
@click.argument("name")
@database_option
def revoke_command(name: str, database: str | None) -> None:
    """Revoke the key NAME: refused from the next request on, in every broker process."""
    from entente_daemon.broker.keys import revoke_key

    revoke_key(_migrated(database), name)
    click.echo(f"key {name!r} revoked")


def _say(line: str) -> None:
    """A line at once, even into a pipe: a script waits for the URL."""
    click.echo(line)
    sys.stdout.flush()
