"""The records port's two implementations over real records: the local store in a temporary
Entente home, and a real daemon (a subprocess) over another. Each kind is made once per
module; tests keep out of each other's way with their own provider names."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from entente_daemon.model import Deployment, SpecVersion
from entente_daemon.records import Records, StoreRecords, daemon_records
from entente_daemon.store import Store
from tests.daemon.conftest import Daemon

SPECS = Path(__file__).parent.parent / "specs"
#: The provider whose specs and deployment every home starts with.
SEEDED = "castle-service"
KINDS = ("store", "daemon")


@dataclass
class World:
    """An Entente home with seeded records, and (kind "daemon") the daemon running for it."""

    kind: str
    home: Path
    daemon: Daemon | None = None

    @property
    def store_path(self) -> Path:
        return self.home / "store"

    def records(self) -> Records:
        if self.daemon is None:
            return StoreRecords(self.store_path)
        found = daemon_records(self.home, store_path=self.store_path)
        assert found is not None, "the daemon is not running"
        return found


def seed(home: Path) -> None:
    """Two published versions of the castle spec and one deployment, written before any
    daemon starts (the daemon then holds the store's writer lock)."""
    document = json.loads((SPECS / "castle.json").read_text(encoding="utf-8"))
    with Store.open(home / "store") as store:
        for day, version in ((1, "1.0.0"), (2, "1.1.0")):
            published = SpecVersion.of(SEEDED, version, document)
            stamp = datetime(2026, 1, day, tzinfo=UTC)
            store.spec_versions.add(published.model_copy(update={"uploaded_at": stamp}))
        store.deployments.add(Deployment(service=SEEDED, version="1.1.0", environment="test"))


@pytest.fixture(scope="module", params=KINDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    kind: str = request.param
    home = tmp_path_factory.mktemp(kind) / "h"
    home.mkdir()
    seed(home)
    if kind == "store":
        yield World(kind, home)
        return
    daemon = Daemon(home)
    daemon.start()
    try:
        yield World(kind, home, daemon)
    finally:
        daemon.ensure_gone()


@pytest.fixture
def records(world: World) -> Iterator[Records]:
    opened = world.records()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def provider() -> str:
    """A provider name no other test uses."""
    return f"svc-{uuid.uuid4().hex[:10]}"
