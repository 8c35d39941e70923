"""Retention (``--keep-days``): interactions and verifications older than that go, unless a
version that is deployed or released (still supported) needs them, so the database does not
slow down with age."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, delete, false, not_, or_, tuple_

from entente_daemon.model import utc_now

from . import deploy_db, events_db
from .database import writing
from .schema import interactions, stamp, verifications


def live_versions(engine: Engine) -> set[tuple[str, str]]:
    """(service, version) of everything deployed or released and supported."""
    live = {(d.service, d.version) for d in deploy_db.deployments_of(engine, active=True)}
    live |= {(r.service, r.version) for r in deploy_db.releases_of(engine, supported=True)}
    return live


def prune(engine: Engine, keep_days: float) -> int:
    """Delete what is older than ``keep_days`` and needed by no live version; how many."""
    cutoff = stamp(utc_now() - timedelta(days=keep_days))
    live = sorted(live_versions(engine))
    i, v = interactions.c, verifications.c

    def kept(service: Any, version: Any, other: Any, other_version: Any) -> ColumnElement[bool]:
        if not live:
            return false()
        return or_(
            tuple_(service, version).in_(live),
            tuple_(other, other_version).in_(live),
        )

    with writing(engine) as connection:
        gone = connection.execute(
            delete(interactions).where(
                and_(
                    i.received_at < cutoff,
                    not_(kept(i.consumer, i.consumer_version, i.provider, i.provider_version)),
                )
            )
        ).rowcount
        gone += connection.execute(
            delete(verifications).where(
                and_(
                    v.received_at < cutoff,
                    not_(kept(v.consumer, v.consumer_version, v.provider, v.provider_version)),
                )
            )
        ).rowcount
        if gone:
            events_db.append(connection, "records.pruned", {"deleted": gone, "before": cutoff})
    return int(gone)
