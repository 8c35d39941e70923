"""Alembic's environment for the broker: migrations run on the connection the broker hands
over (`entente_daemon.broker.database.migrate`), never on a URL from a config file."""

from __future__ import annotations

from alembic import context


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


# Alembic runs this file; imported any other way (a walk over the package), it does nothing.
if hasattr(context, "config"):
    run_migrations()
