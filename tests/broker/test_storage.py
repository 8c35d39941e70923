"""The broker's storage rules without a server: the feed's cursor and its gaps, retention,
settings carried to worker processes. Each on a fresh database (both kinds where the
database is the point)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from entente_daemon.broker import deploy_db, events_db, interactions_db, retention
from entente_daemon.broker.database import migrate, open_engine, writing
from entente_daemon.broker.interactions_db import InteractionQuery
from entente_daemon.broker.schema import api_keys, events, interactions, stamp
from entente_daemon.broker.settings import BrokerSettings
from entente_daemon.model import Deployment, utc_now

from .factories import interaction


@pytest.fixture
def engine(database: str) -> Iterator[Engine]:
    made = open_engine(database)
    migrate(made)
    yield made
    made.dispose()


def test_the_feed_reads_by_cursor(engine: Engine, home: Path) -> None:
    with writing(engine) as connection:
        for n in range(5):
            events_db.append(connection, "spec.uploaded", {"n": n})
    first = events_db.read(engine, 0, 2)
    rest = events_db.read(engine, first[-1]["cursor"], 100)
    assert [e["payload"]["n"] for e in first + rest] == [0, 1, 2, 3, 4]
    assert events_db.last_cursor(engine) == rest[-1]["cursor"]


def test_the_feed_stops_before_a_young_gap_and_passes_an_old_one(
    engine: Engine, home: Path
) -> None:
    """A missing cursor may be a transaction still committing (PostgreSQL numbers it before
    it commits): a reader waits for it a while, then takes it for rolled back."""
    with writing(engine) as connection:
        for n in range(4):
            events_db.append(connection, "spec.uploaded", {"n": n})
    seqs = [e["cursor"] for e in events_db.read(engine, 0, 100)]
    with writing(engine) as connection:
        connection.execute(events.delete().where(events.c.seq == seqs[2]))  # a gap
    assert [e["cursor"] for e in events_db.read(engine, seqs[0], 100)] == [seqs[1]]
    old = stamp(utc_now() - events_db.GAP_GRACE * 2)
    with writing(engine) as connection:
        connection.execute(update(events).where(events.c.seq == seqs[3]).values(time=old))
    assert [e["cursor"] for e in events_db.read(engine, seqs[0], 100)] == [seqs[1], seqs[3]]


def test_retention_keeps_what_a_deployed_version_needs(engine: Engine, home: Path) -> None:
    old = interaction("castle-service", consumer_version="1.0.0", path="/old")
    deployed = interaction("castle-service", consumer_version="2.0.0", path="/deployed")
    fresh = interaction("castle-service", consumer_version="3.0.0", path="/fresh")
    interactions_db.upload(engine, [old, deployed, fresh])
    long_ago = stamp(utc_now() - timedelta(days=40))
    with writing(engine) as connection:
        connection.execute(
            update(interactions)
            .where(interactions.c.id.in_([old.id, deployed.id]))
            .values(received_at=long_ago)
        )
    deploy_db.record_deployment(
        engine, Deployment(service="castle-client", version="2.0.0", environment="production")
    )

    assert retention.prune(engine, keep_days=30) == 1

    kept, _ = interactions_db.query(engine, InteractionQuery(provider="castle-service"))
    assert {i.id for i in kept} == {deployed.id, fresh.id}


def test_settings_reach_a_worker_process_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    settings = BrokerSettings(database="sqlite:///x.db", max_batch=7, keep_days=2.5)
    for name, value in settings.to_env().items():
        monkeypatch.setenv(name, value)
    assert BrokerSettings.from_env() == settings


def test_keys_are_kept_hashed_and_compared_in_constant_time(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    import hmac

    from entente_daemon.broker import keys

    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr(hmac, "compare_digest", spy)
    key = keys.create_key(engine, "ci", keys.Scope.WRITE)
    with engine.connect() as connection:
        stored = connection.execute(select(api_keys.c.key_hash)).scalars().all()

    found = keys.authenticate(engine, key)

    assert found is not None
    assert found.scope is keys.Scope.WRITE
    assert stored == [keys.hash_key(key)]  # the key itself is nowhere
    assert compared == [(keys.hash_key(key), keys.hash_key(key))]
    assert keys.authenticate(engine, key + "x") is None
