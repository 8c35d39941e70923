"""Fixtures in the broker: proposals (idempotent by id), and decisions that carry who and
when, where the later ``at`` wins whichever arrives first."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from entente_daemon.model import Fixture, FixtureStatus

from . import events_db
from .database import writing
from .errors import NotFound
from .schema import fixtures, stamp


def _doc(fixture: Fixture) -> str:
    return json.dumps(fixture.to_json(), separators=(",", ":"))


def propose(engine: Engine, proposed: Sequence[Fixture]) -> list[str]:
    """Store fixtures not stored yet (by id); the ids created."""
    rows = []
    for fixture in proposed:
        if not fixture.content_hash:
            fixture = fixture.with_hash()
        rows.append(
            {
                "id": fixture.id,
                "provider": fixture.provider,
                "status": str(fixture.status),
                "content_hash": fixture.content_hash,
                "decided_at": None if fixture.approved_at is None else stamp(fixture.approved_at),
                "decided_by": fixture.approved_by,
                "doc": _doc(fixture),
            }
        )
    if not rows:
        return []
    insert = (
        postgresql.insert(fixtures)
        if engine.dialect.name == "postgresql"
        else sqlite.insert(fixtures)
    )
    with writing(engine) as connection:
        created = list(
            connection.execute(
                insert.on_conflict_do_nothing().returning(fixtures.c.id), rows
            ).scalars()
        )
        for row in rows:
            if row["id"] in created:
                events_db.append(
                    connection,
                    events_db.BrokerEventKind.FIXTURE_PROPOSED,
                    {"id": row["id"], "provider": row["provider"], "status": row["status"]},
                )
    return created


def listed(
    engine: Engine, provider: str | None = None, status: FixtureStatus | None = None
) -> list[Fixture]:
    statement = select(fixtures.c.doc).order_by(fixtures.c.seq)
    if provider is not None:
        statement = statement.where(fixtures.c.provider == provider)
    if status is not None:
        statement = statement.where(fixtures.c.status == str(status))
    with engine.connect() as connection:
        return [Fixture.model_validate_json(doc) for doc in connection.execute(statement).scalars()]


def get(engine: Engine, fixture_id: str) -> Fixture:
    with engine.connect() as connection:
        doc = connection.execute(select(fixtures.c.doc).where(fixtures.c.id == fixture_id)).scalar()
    if doc is None:
        raise NotFound(f"no fixture {fixture_id!r} on the broker", field="id")
    return Fixture.model_validate_json(doc)


def decide(
    engine: Engine,
    fixture_id: str,
    status: FixtureStatus,
    by: str | None,
    at: datetime,
    note: str | None = None,
) -> Fixture:
    """Approve or reject, unless a decision made later (by ``at``) is in force already: then
    that one stays, and is answered."""
    when = stamp(at)
    with writing(engine) as connection:
        row = connection.execute(
            select(fixtures.c.doc, fixtures.c.decided_at).where(fixtures.c.id == fixture_id)
        ).first()
        if row is None:
            raise NotFound(f"no fixture {fixture_id!r} on the broker", field="id")
        current = Fixture.model_validate_json(row.doc)
        if row.decided_at is not None and row.decided_at >= when:
            return current
        changes: dict[str, object] = {"status": status, "approved_by": by, "approved_at": at}
        if note is not None:
            changes["notes"] = note
        decided = current.model_copy(update=changes)
        connection.execute(
            update(fixtures)
            .where(fixtures.c.id == fixture_id)
            .values(status=str(status), decided_at=when, decided_by=by, doc=_doc(decided))
        )
        events_db.append(
            connection,
            events_db.BrokerEventKind.FIXTURE_DECIDED,
            {
                "id": fixture_id,
                "provider": decided.provider,
                "status": str(status),
                "by": by,
                "at": when + "Z",
            },
        )
    return decided


def set_notes(engine: Engine, fixture_id: str, notes: str | None) -> Fixture:
    with writing(engine) as connection:
        doc = connection.execute(select(fixtures.c.doc).where(fixtures.c.id == fixture_id)).scalar()
        if doc is None:
            raise NotFound(f"no fixture {fixture_id!r} on the broker", field="id")
        changed = Fixture.model_validate_json(doc).model_copy(update={"notes": notes})
        connection.execute(
            update(fixtures).where(fixtures.c.id == fixture_id).values(doc=_doc(changed))
        )
    return changed
