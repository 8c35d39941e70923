"""``kill -9`` of the broker in the middle of uploads, then a restart on the same database:
every batch it acknowledged is there, and the client's retry of every batch stores nothing
twice."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from entente_daemon.broker.schema import interactions
from entente_daemon.client.broker_api import BrokerError
from entente_daemon.model import Interaction

from .conftest import new_database
from .factories import interaction
from .process import BrokerProcess

BATCHES = 40
SIZE = 10


def batches() -> list[list[Interaction]]:
    return [
        [interaction("castle-service", path=f"/castles/{b}/{n}") for n in range(SIZE)]
        for b in range(BATCHES)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_killed_broker_loses_and_doubles_nothing(
    kind: str, request: pytest.FixtureRequest, home: Path
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="entente-kill-"))
    broker = BrokerProcess(new_database(kind, folder, request), folder / "h")
    broker.make_keys()
    broker.start()
    sent = batches()
    acknowledged: list[int] = []
    failed = threading.Event()

    def upload() -> None:
        with broker.client() as client:
            for number, batch in enumerate(sent):
                try:
                    client.upload_interactions(batch)
                except BrokerError:
                    failed.set()
                    return
                acknowledged.append(number)

    uploader = threading.Thread(target=upload)
    uploader.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 3:  # in the middle of the uploads
        assert time.monotonic() < deadline, "no batch was acknowledged"
        time.sleep(0.01)
    broker.kill()
    uploader.join(timeout=60)
    assert failed.is_set(), "the uploads all ended before the kill"
    assert len(acknowledged) < BATCHES

    broker.start()  # the same database
    try:
        with broker.client() as client:
            stored = {i.id for i in client.all_interactions(provider="castle-service")}
            for number in acknowledged:
                assert {i.id for i in sent[number]} <= stored
            everything = [i for batch in sent for i in batch]
            for start in range(0, len(everything), 200):  # the client retries everything
                client.upload_interactions(everything[start : start + 200])
        with broker.engine.connect() as connection:
            count = connection.execute(select(func.count()).select_from(interactions)).scalar()
        assert count == BATCHES * SIZE
    finally:
        broker.stop()
        shutil.rmtree(folder, ignore_errors=True)
