"""Interactions in the broker's database: idempotent batch upload, and the query sync and
the verifier page through."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import Insert

from entente_daemon.model import Interaction, utc_now

from . import events_db
from .database import writing
from .schema import interactions, stamp


@dataclass(frozen=True)
class InteractionQuery:
    provider: str | None = None
    consumer: str | None = None
    consumer_version: str | None = None
    provider_version: str | None = None
    environment: str | None = None
    operation_id: str | None = None
    contract: bool | None = None
    after: int = 0
    limit: int = 100


@dataclass(frozen=True)
class Uploaded:
    ids: list[str]  # the stored id of each one sent, in order (a duplicate: the first's)
    created: int
    duplicates: int


def dedup_key(interaction: Interaction) -> str:
    """What makes two uploads the same interaction: its content hash (who, what, which
    test) and the run that made it."""
    return f"{interaction.content_hash}:{interaction.run_id or ''}"


def _insert(dialect: str) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(interactions).on_conflict_do_nothing()
    return sqlite.insert(interactions).on_conflict_do_nothing()


def row_of(interaction: Interaction, received: str) -> dict[str, object]:
    if not interaction.content_hash:
        interaction = interaction.with_hash()
    return {
        "id": interaction.id,
        "dedup_key": dedup_key(interaction),
        "content_hash": interaction.content_hash,
        "consumer": interaction.consumer,
        "consumer_version": interaction.consumer_version,
        "provider": interaction.provider,
        "provider_version": interaction.provider_version,
        "environment": interaction.environment,
        "operation_id": interaction.operation_id,
        "test_id": interaction.test_id,
        "run_id": interaction.run_id,
        "promoted": interaction.promoted,
        "contract": interaction.contract,
        "timestamp": stamp(interaction.timestamp),
        "last_seen": None if interaction.last_seen is None else stamp(interaction.last_seen),
        "received_at": received,
        "doc": json.dumps(interaction.to_json(), separators=(",", ":")),
    }


def upload(engine: Engine, batch: Sequence[Interaction]) -> Uploaded:
    """Store a batch; what was there already (same content and run, or same id) is not
    stored again. One transaction: the batch lands whole or not at all."""
    if not batch:
        return Uploaded([], 0, 0)
    received = stamp(utc_now())
    rows = [row_of(i, received) for i in batch]
    keys = [str(r["dedup_key"]) for r in rows]
    with writing(engine) as connection:
        statement = _insert(engine.dialect.name).returning(interactions.c.id)
        created = connection.execute(statement, rows).scalars().all()
        stored = dict(
            connection.execute(
                select(interactions.c.dedup_key, interactions.c.id).where(
                    interactions.c.dedup_key.in_(set(keys))
                )
            ).all()
        )
        if created:
            fresh = [r for r in rows if r["id"] in set(created)]
            for provider, consumer in sorted({(r["provider"], r["consumer"]) for r in fresh}):
                events_db.append(
                    connection,
                    events_db.BrokerEventKind.INTERACTION_UPLOADED,
                    {
                        "ids": [
                            r["id"]
                            for r in fresh
                            if r["provider"] == provider and r["consumer"] == consumer
                        ],
                        "provider": provider,
                        "consumer": consumer,
                    },
                )
    ids = [str(stored.get(key, row["id"])) for key, row in zip(keys, rows, strict=True)]
    return Uploaded(ids, len(created), len(batch) - len(created))


def query(engine: Engine, asked: InteractionQuery) -> tuple[list[Interaction], int | None]:
    """A page of matching interactions, in the order received, after the cursor ``after``;
    and the cursor of the next page (None: this was the last)."""
    c = interactions.c
    statement = select(c.seq, c.doc).where(c.seq > asked.after)
    for column, value in (
        (c.provider, asked.provider),
        (c.consumer, asked.consumer),
        (c.consumer_version, asked.consumer_version),
        (c.provider_version, asked.provider_version),
        (c.environment, asked.environment),
        (c.operation_id, asked.operation_id),
        (c.contract, asked.contract),
    ):
        if value is not None:
            statement = statement.where(column == value)
    statement = statement.order_by(c.seq).limit(asked.limit)
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    found = [Interaction.model_validate_json(row.doc) for row in rows]
    next_cursor = int(rows[-1].seq) if len(rows) == asked.limit else None
    return found, next_cursor
