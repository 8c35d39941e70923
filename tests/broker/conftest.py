"""The broker's test fixtures: both databases (SQLite, and PostgreSQL in a private cluster
started once per test process; skipped with the reason when PostgreSQL is not installed),
and a real broker process per module."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .postgres import Cluster, make_cluster, postgres_bin
from .process import BrokerProcess

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    if postgres_bin() is None:
        pytest.skip(
            "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin): "
            "`apt-get install postgresql` to run the broker's PostgreSQL tests"
        )
    cluster = make_cluster()
    yield cluster
    cluster.stop()


def new_database(kind: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """A fresh database of ``kind``: a SQLite file in ``folder``, or a PostgreSQL database
    in the session's cluster."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'broker.db'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind, for one test."""
    return new_database(request.param, tmp_path, request)


@pytest.fixture(scope="session", params=DATABASES)
def broker(request: pytest.FixtureRequest) -> Iterator[BrokerProcess]:
    """One broker process per database for the test process (a broker takes seconds to
    start; the tests only add records under names of their own, `factories.unique`), with
    a small batch and body limit so that the limits are cheap to reach."""
    folder = Path(tempfile.mkdtemp(prefix="entente-broker-"))
    process = BrokerProcess(
        new_database(request.param, folder, request),
        folder / "h",
        extra=["--max-batch", "50", "--max-body", str(1024 * 1024)],
    )
    process.make_keys()
    process.start()
    yield process
    process.stop()
    shutil.rmtree(folder, ignore_errors=True)
