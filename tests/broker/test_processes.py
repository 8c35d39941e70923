"""Stateless processes: a second broker process on the same PostgreSQL database serves the
same records and the same feed as the first, and a batch sent to both lands once."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .factories import interaction, unique
from .process import BrokerProcess


@pytest.fixture
def second(broker: BrokerProcess) -> Iterator[BrokerProcess]:
    folder = Path(tempfile.mkdtemp(prefix="entente-second-"))
    process = BrokerProcess(broker.database, folder / "h")
    process.keys = broker.keys
    process.start()
    yield process
    process.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("broker", ["postgresql"], indirect=True)
def test_two_processes_share_the_records_and_the_feed(
    broker: BrokerProcess, second: BrokerProcess, home: Path
) -> None:
    provider = unique("p")
    batch = [interaction(provider, path=f"/castles/{n}") for n in range(3)]
    with broker.client() as first, second.client() as other:
        cursor = other.events(after=0, limit=1000).next
        while page := other.events(after=cursor, limit=1000).events:
            cursor = page[-1].cursor
        stored = first.upload_interactions(batch)
        again = other.upload_interactions(batch)  # a retry that reached the other process
        told = other.events(after=cursor, wait=10)
        seen = list(other.all_interactions(provider=provider))
    assert (stored.created, again.created, again.duplicates) == (3, 0, 3)
    assert sorted(i.id for i in seen) == sorted(stored.ids)
    uploaded = [e for e in told.events if e.kind == "interaction.uploaded"]
    assert [e.payload["provider"] for e in uploaded] == [provider]
