"""Verification results in the broker: published once each (idempotent by id)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from entente_daemon.model import Verification, utc_now

from . import events_db
from .database import writing
from .schema import stamp, verifications


def publish(engine: Engine, published: Sequence[Verification]) -> list[str]:
    """Store verifications not stored yet; the ids created."""
    received = stamp(utc_now())
    rows = [
        {
            "id": v.id,
            "provider": v.provider,
            "provider_version": v.provider_version,
            "consumer": v.consumer,
            "consumer_version": v.consumer_version,
            "finished_at": stamp(v.finished_at or v.started_at),
            "received_at": received,
            "doc": json.dumps(v.to_json(), separators=(",", ":")),
        }
        for v in published
    ]
    if not rows:
        return []
    insert = (
        postgresql.insert(verifications)
        if engine.dialect.name == "postgresql"
        else sqlite.insert(verifications)
    )
    with writing(engine) as connection:
        created = list(
            connection.execute(
                insert.on_conflict_do_nothing().returning(verifications.c.id), rows
            ).scalars()
        )
        for verification in published:
            if verification.id in created:
                events_db.append(
                    connection,
                    events_db.BrokerEventKind.VERIFICATION_PUBLISHED,
                    {
                        "id": verification.id,
                        "provider": verification.provider,
                        "provider_version": verification.provider_version,
                        "consumer": verification.consumer,
                        "consumer_version": verification.consumer_version,
                        "ok": verification.ok,
                    },
                )
    return created


def listed(
    engine: Engine,
    provider: str | None = None,
    consumer: str | None = None,
    provider_version: str | None = None,
) -> list[Verification]:
    """Matching verifications, oldest finished first."""
    c = verifications.c
    statement = select(c.doc).order_by(c.finished_at, c.seq)
    for column, value in (
        (c.provider, provider),
        (c.consumer, consumer),
        (c.provider_version, provider_version),
    ):
        if value is not None:
            statement = statement.where(column == value)
    with engine.connect() as connection:
        return [
            Verification.model_validate_json(d) for d in connection.execute(statement).scalars()
        ]
