"""The broker's database: where it is, the engine (SQLite tuned for several processes), and
its migrations (Alembic, shipped in `migrations/`, run at ``serve`` start and by
``entente broker migrate``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

from entente_daemon.home import ensure_private_dir, entente_home

#: How long a SQLite writer waits for another process's write to end.
SQLITE_BUSY_MS = 30_000
MIGRATIONS = Path(__file__).parent / "migrations"
WRITE_OPTION = "entente_writes"
#: The newest migration; `migrate` upgrades to it.
HEAD = "head"


def default_url(home: Path | None = None) -> str:
    """SQLite at ``<ENTENTE_HOME>/broker/broker.db``."""
    folder = ensure_private_dir((home or entente_home()) / "broker")
    return f"sqlite:///{folder / 'broker.db'}"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (the driver the broker ships with)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def describe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def open_engine(url: str, *, pool_size: int = 5) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _tune_sqlite(connection: Any, _record: Any) -> None:
    # Autocommit at the driver, so that SQLAlchemy's BEGIN is the only one (and IMMEDIATE
    # where it writes; see `write`): no lock upgrade deadlocks between processes.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    writes = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: on SQLite it takes the write lock first (BEGIN
    IMMEDIATE), so two processes never both read, then both wait to write."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = HEAD) -> str | None:
    """Upgrade the database to ``revision``; the revision it is at after."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)
    return current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head
