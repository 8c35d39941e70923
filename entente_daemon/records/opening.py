"""Which records: the daemon's when it runs (it owns the store), else the local store's.

This is the one place that asks. Without a daemon, ``ENTENTE_SERVICE_URL`` (with
``ENTENTE_API_KEY``) chooses the remote broker's records (`BrokerRecords`): CI has no
daemon and talks to the team's broker directly. A running daemon keeps them in sync itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from entente_daemon.client import DaemonClient
from entente_daemon.client.broker_api import BrokerClient

from .broker import BrokerRecords
from .daemon import DaemonRecords
from .port import Records
from .store import WRITE_LOCK_TIMEOUT, StoreRecords


def daemon_records(
    home: Path | None = None, *, store_path: Path | str | None = None
) -> DaemonRecords | None:
    """The daemon running for ``home`` (default: the Entente home), None when none runs.
    `DaemonVersionMismatch` when it is another version than this one."""
    client = DaemonClient.discover(home)
    return None if client is None else DaemonRecords(client, store_path=store_path)


def connect_records(
    home: Path | None = None,
    *,
    store_path: Path | str | None = None,
    lock_timeout: float = WRITE_LOCK_TIMEOUT,
) -> Records:
    """The daemon's records when it runs, else the broker's when ``ENTENTE_SERVICE_URL``
    names one, else the local store's; close them after."""
    found = daemon_records(home, store_path=store_path)
    if found is not None:
        return found
    broker = BrokerClient.from_env()
    if broker is not None:
        return BrokerRecords(broker)
    return StoreRecords(store_path, lock_timeout=lock_timeout)


@contextmanager
def open_records(
    home: Path | None = None,
    *,
    store_path: Path | str | None = None,
    lock_timeout: float = WRITE_LOCK_TIMEOUT,
) -> Iterator[Records]:
    """`connect_records`, closed on leaving the block."""
    records = connect_records(home, store_path=store_path, lock_timeout=lock_timeout)
    try:
        yield records
    finally:
        records.close()
