"""The sync's tests use real daemons (tests/daemon's helpers) and a broker on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.broker.conftest import pg_cluster  # the broker's private PostgreSQL cluster
from tests.daemon.conftest import Daemon

__all__ = ["pg_cluster"]


@pytest.fixture
def daemon(home: Path) -> Iterator[Daemon]:
    """A daemon handle for this test's home (not started); always stopped afterwards."""
    handle = Daemon(home)
    try:
        yield handle
    finally:
        handle.ensure_gone()
