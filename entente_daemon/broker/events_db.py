"""The broker's event feed: appended in the transaction of the change it tells of, read by
cursor (the table's autoincrement), so several broker processes serve one feed.

On PostgreSQL a sequence number is taken before its transaction commits, so a later number
can become visible before an earlier one. A reader therefore stops before a gap while the
event after it is young (`GAP_GRACE`): the missing one is probably still committing. A gap
older than that is a rolled-back transaction, and is passed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from entente_daemon.model import utc_now

from .schema import events, stamp

GAP_GRACE = timedelta(seconds=5)


class BrokerEventKind:
    INTERACTION_UPLOADED = "interaction.uploaded"
    SPEC_UPLOADED = "spec.uploaded"
    FIXTURE_PROPOSED = "fixture.proposed"
    FIXTURE_DECIDED = "fixture.decided"
    VERIFICATION_PUBLISHED = "verification.published"
    DEPLOYMENT_RECORDED = "deployment.recorded"
    RELEASE_RECORDED = "release.recorded"
    ENVIRONMENT_CREATED = "environment.created"


ALL_KINDS = tuple(
    value for name, value in vars(BrokerEventKind).items() if not name.startswith("_")
)


def append(connection: Connection, kind: str, payload: dict[str, Any]) -> None:
    connection.execute(
        events.insert().values(
            kind=kind, payload=json.dumps(payload, sort_keys=True), time=stamp(utc_now())
        )
    )


def read(engine: Engine, after: int, limit: int) -> list[dict[str, Any]]:
    """The events after ``after``, oldest first, stopping before a young gap."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(events).where(events.c.seq > after).order_by(events.c.seq).limit(limit)
        ).all()
    young = stamp(utc_now() - GAP_GRACE)
    found: list[dict[str, Any]] = []
    expected = after + 1
    for row in rows:
        if row.seq != expected and row.time > young and after > 0:
            break
        found.append(
            {
                "cursor": row.seq,
                "kind": row.kind,
                "payload": json.loads(row.payload),
                "time": row.time + "Z",
            }
        )
        expected = row.seq + 1
    return found


def last_cursor(engine: Engine) -> int:
    with engine.connect() as connection:
        value = connection.execute(select(events.c.seq).order_by(events.c.seq.desc()).limit(1))
        return int(value.scalar() or 0)
