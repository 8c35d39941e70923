"""The facts can-i-deploy and the readiness matrix read (`entente_daemon.deploy.facts`),
gathered from the broker's database with the local store's rules, so that the broker, the
daemon and the CLI answer alike.

Every change the facts depend on appends an event in its own transaction, so the newest
event's cursor tells whether facts gathered before are still true: each process keeps the
last facts it gathered and gathers again only when the feed has moved.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import Engine, select

from entente_daemon.deploy.facts import Contract, Facts, LiveKind, LiveVersion
from entente_daemon.model import Verification
from entente_daemon.records.contracts import contract_interactions
from entente_daemon.records.deploy_store import InteractionHead, verification_fact

from . import deploy_db, events_db
from .schema import interactions, verifications


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text + "+00:00")


def gather(engine: Engine) -> Facts:
    facts = Facts()
    for deployment in deploy_db.deployments_of(engine, active=True):
        facts.add_live(
            LiveVersion(
                deployment.service,
                deployment.version,
                deployment.environment,
                LiveKind.DEPLOYED,
                since=deployment.deployed_at,
                by=deployment.deployed_by,
            )
        )
    for release in deploy_db.releases_of(engine, supported=True):
        facts.add_live(
            LiveVersion(
                release.service,
                release.version,
                release.environment,
                LiveKind.RELEASED,
                since=release.released_at,
                by=release.released_by,
            )
        )
    facts.known |= {(v.service, v.version) for v in deploy_db.service_versions_of(engine)}
    facts.known |= deploy_db.all_spec_keys(engine)
    facts.environments |= {e.name for e in deploy_db.environments_of(engine)}
    facts.environments |= {d.environment for d in deploy_db.deployments_of(engine, active=True)}
    c = interactions.c
    with engine.connect() as connection:
        pairs = connection.execute(
            select(c.consumer, c.consumer_version, c.provider, c.provider_version).distinct()
        ).all()
        rows = connection.execute(
            select(
                c.consumer,
                c.consumer_version,
                c.provider,
                c.provider_version,
                c.test_id,
                c.run_id,
                c.promoted,
                c.timestamp,
                c.last_seen,
                c.content_hash,
            )
            .where(c.contract.is_(True))
            .order_by(c.seq)
        ).all()
        docs = connection.execute(
            select(verifications.c.doc).order_by(verifications.c.finished_at, verifications.c.seq)
        ).scalars()
        found = [Verification.model_validate_json(d) for d in docs]
    for pair in pairs:
        facts.known.add((pair.consumer, pair.consumer_version))
        facts.known.add((pair.provider, pair.provider_version))
    heads = [
        InteractionHead(
            consumer=r.consumer,
            consumer_version=r.consumer_version,
            provider=r.provider,
            provider_version=r.provider_version,
            test_id=r.test_id,
            run_id=r.run_id,
            promoted=bool(r.promoted),
            timestamp=_time(r.timestamp) or datetime.min,
            last_seen=_time(r.last_seen),
            content_hash=r.content_hash,
        )
        for r in rows
    ]
    hashes: dict[tuple[str, str, str], set[str]] = {}
    for head in contract_interactions(heads):
        key = (head.consumer, head.consumer_version, head.provider)
        hashes.setdefault(key, set()).add(head.content_hash)
    for (consumer, consumer_version, provider), content in hashes.items():
        facts.add_contract(Contract(consumer, consumer_version, provider, frozenset(content)))
    for verification in found:
        facts.add_verification(verification_fact(verification))
    return facts


class FactsCache:
    """The last facts this process gathered, and the event cursor they are true at."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._cursor = -1
        self._facts = Facts()

    def current(self) -> Facts:
        with self._lock:
            cursor = events_db.last_cursor(self._engine)
            if cursor != self._cursor:
                self._facts = gather(self._engine)
                self._cursor = cursor
            return self._facts
