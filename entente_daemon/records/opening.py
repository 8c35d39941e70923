"""Which records: the daemon's when it runs (it owns the store), else the local store's.

This is the one place that asks. A third implementation, over a remote broker, would be a
class with the `Records` methods (``source = "broker"``, added to `Source`) chosen here,
before the daemon, when the project configures a broker and asks to read through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from entente_daemon.client import DaemonClient

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
    """The daemon's records when it runs, else the local store's; close them after."""
    found = daemon_records(home, store_path=store_path)
    if found is not None:
        return found
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
