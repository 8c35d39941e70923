"""The sync proper: push the outbox to the broker, pull what the broker's feed announces.

The engine knows a store (through `StoreAccess`: the daemon's `StoreWriter`, or
`LocalAccess` over a store opened by the CLI) and a `BrokerLink`; the service and
``entente sync --once`` decide when it runs.

**Push.** The oldest entries first, one kind at a time (`outbox.PUSH_ORDER`: what a later
record refers to goes first). An entry leaves the queue only once the broker took its
record; a failure keeps it (its attempts counted) and ends the push with the error. A record
the broker refuses for good (422, 413 alone) leaves the queue and is *named* in the report
(the service raises a ``sync.error`` alert): never a silent drop, and never one bad record
blocking every other.

**Pull.** One page of the broker's events after the stored cursor, then the records those
events announce that this workstation has an interest in (`Interest`), stored in one write
with the new cursor (so a crash re-reads the page, and storing is idempotent: by content
hash, by id). What came from the broker is not queued back (`OutboxRepository.pulling`).
A fixture decision is applied when it is later than the one known here (`conflicts`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from entente_daemon.client import events as payloads
from entente_daemon.model import (
    Deployment,
    Environment,
    Event,
    Fixture,
    FixtureStatus,
    Interaction,
    Record,
    Release,
    ServiceVersion,
    SpecVersion,
    Verification,
    new_id,
    utc_now,
)
from entente_daemon.store import Store
from entente_daemon.store.outbox import OutboxEntry, OutboxKind

from .conflicts import Decision, later
from .link import BrokerError, BrokerEvent, BrokerLink, BrokerRejected

log = logging.getLogger("entente.sync")
T = TypeVar("T")
Emit = Callable[[Sequence[Event]], list[Event]]

PUSH_BATCH = 200  # interactions per upload, entries read per round
PULL_LIMIT = 200  # events per page


class StoreAccess(Protocol):
    """How the engine reaches the store: reads anywhere, writes in order (the daemon's
    `StoreWriter` has exactly these)."""

    async def read(self, job: Callable[[Store], T]) -> T: ...

    async def write(self, job: Callable[[Store, Emit], T]) -> T: ...


class LocalAccess:
    """`StoreAccess` over a store this process holds (``entente sync --once``): jobs run at
    once, events are stored for the daemon's feed to pick up later."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def read(self, job: Callable[[Store], T]) -> T:
        return job(self.store)

    async def write(self, job: Callable[[Store, Emit], T]) -> T:
        def emit(events: Sequence[Event]) -> list[Event]:
            out = []
            for event in events:
                seq = self.store.events.append(event)
                out.append(event.model_copy(update={"seq": seq}))
            return out

        return job(self.store, emit)


@dataclass(frozen=True)
class Interest:
    """What this workstation pulls: specs and approved fixtures of the providers it consumes;
    other consumers' interactions with the providers it verifies; verifications, deployments,
    releases and environments of everyone (can-i-deploy must answer as the broker does).
    ``everything``: no project to go by (CI without one): pull all of it."""

    consumes: frozenset[str] = frozenset()
    verifies: frozenset[str] = frozenset()
    everything: bool = False

    def specs_of(self, service: str) -> bool:
        return self.everything or service in self.consumes

    def fixtures_of(self, provider: str) -> bool:
        return self.everything or provider in self.consumes or provider in self.verifies

    def interactions_of(self, provider: str) -> bool:
        return self.everything or provider in self.verifies


@dataclass
class PushReport:
    sent: int = 0
    gone: int = 0  # their record was deleted before it was sent
    duplicates: int = 0  # interactions the broker had already
    rejected: list[str] = field(default_factory=list)  # "kind id: why", left the queue


@dataclass
class PullReport:
    events: int = 0
    cursor: int = 0
    stored: dict[str, int] = field(default_factory=dict)
    specs: set[str] = field(default_factory=set)  # services with a new spec version here
    facts_changed: bool = False  # deployments, releases, verifications, environments

    @property
    def total(self) -> int:
        return sum(self.stored.values())


@dataclass
class _Wanted:
    """What one page of events asks to fetch."""

    interactions: set[tuple[str, str | None]] = field(default_factory=set)
    specs: set[str] = field(default_factory=set)
    fixtures: set[str] = field(default_factory=set)
    verifications: set[tuple[str | None, str | None]] = field(default_factory=set)
    deployments: set[str | None] = field(default_factory=set)
    releases: set[str | None] = field(default_factory=set)
    environments: bool = False


@dataclass
class _Fetched:
    interactions: list[Interaction] = field(default_factory=list)
    specs: list[SpecVersion] = field(default_factory=list)
    fixtures: list[Fixture] = field(default_factory=list)
    verifications: list[Verification] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    environments: list[Environment] = field(default_factory=list)


#: Called inside the pull's write with the interactions stored and their ids (the daemon
#: adds them to its filter index).
OnInteractions = Callable[[list[tuple[Interaction, str]]], None]


class SyncEngine:
    def __init__(
        self,
        access: StoreAccess,
        link: BrokerLink,
        *,
        interest: Callable[[], Interest] = lambda: Interest(everything=True),
        on_interactions: OnInteractions | None = None,
        batch: int = PUSH_BATCH,
    ) -> None:
        self.access = access
        self.link = link
        self.interest = interest
        self._on_interactions = on_interactions
        self._batch = batch

    # -- push ---------------------------------------------------------------------------------

    async def push(self) -> PushReport:
        """Send the whole outbox, oldest first; `BrokerError` (the rest kept) on a failure."""
        report = PushReport()
        while True:
            entries = await self.access.read(lambda s: s.outbox.entries(limit=self._batch))
            if not entries:
                return report
            kind = entries[0].kind
            group = [e for e in entries if e.kind is kind]
            await self._push_group(kind, group, report)

    async def _push_group(
        self, kind: OutboxKind, group: list[OutboxEntry], report: PushReport
    ) -> None:
        records = await self.access.read(lambda s: _load(s, kind, [e.record_id for e in group]))
        done: list[str] = []
        rejected: list[str] = []
        present: list[tuple[OutboxEntry, Record]] = []
        gone: list[str] = []
        for entry in group:
            record = records.get(entry.record_id)
            if record is None:
                gone.append(entry.key)
            else:
                present.append((entry, record))
        try:
            if kind is OutboxKind.INTERACTION:
                await self._push_interactions(present, done, rejected, report)
            else:
                for entry, record in present:
                    try:
                        await self._push_one(entry, record)
                    except BrokerRejected as exc:
                        rejected.append(entry.key)
                        report.rejected.append(f"{entry.key}: {exc}")
                        continue
                    done.append(entry.key)
        except BrokerError as exc:
            await self._settle(done + gone + rejected, done, report, len(gone))
            left = [e.key for e, _ in present if e.key not in done and e.key not in rejected]
            why = str(exc)
            await self.access.write(lambda s, _emit: s.outbox.failed(left, why))
            raise
        await self._settle(done + gone + rejected, done, report, len(gone))

    async def _settle(
        self, keys: list[str], sent: list[str], report: PushReport, gone: int
    ) -> None:
        if not keys:
            return
        now = utc_now()

        def job(store: Store, _emit: Emit) -> None:
            store.outbox.sent(keys)
            state = store.outbox.state()
            store.outbox.update_state(
                last_push=now if sent else state.last_push, pushed=state.pushed + len(sent)
            )

        await self.access.write(job)
        report.sent += len(sent)
        report.gone += gone

    async def _push_interactions(
        self,
        present: list[tuple[OutboxEntry, Record]],
        done: list[str],
        rejected: list[str],
        report: PushReport,
    ) -> None:
        items = [(e, r) for e, r in present if isinstance(r, Interaction)]
        try:
            counted = await self.link.upload_interactions([r for _, r in items])
            report.duplicates += counted.duplicates
            done += [e.key for e, _ in items]
            return
        except BrokerRejected:
            if len(items) == 1:
                raise
        for entry, record in items:  # one refused the batch: find which, send the rest
            try:
                counted = await self.link.upload_interactions([record])
                report.duplicates += counted.duplicates
                done.append(entry.key)
            except BrokerRejected as exc:
                rejected.append(entry.key)
                report.rejected.append(f"{entry.key}: {exc}")

    async def _push_one(self, entry: OutboxEntry, record: Record) -> None:
        link = self.link
        if isinstance(record, SpecVersion):
            await link.upload_spec(record)
        elif isinstance(record, ServiceVersion):
            await link.register_version(record)
        elif isinstance(record, Environment):
            await link.create_environment(record)
        elif isinstance(record, Verification):
            await link.publish_verification(record)
        elif isinstance(record, Deployment):
            await link.record_deployment(record)
        elif isinstance(record, Release):
            await link.record_release(record)
        elif isinstance(record, Fixture):
            await self._push_fixture(entry, record)

    async def _push_fixture(self, entry: OutboxEntry, fixture: Fixture) -> None:
        await self.link.propose_fixture(fixture)
        if fixture.status is FixtureStatus.DRAFT:
            return
        known = await self.access.read(lambda s: s.outbox.state().decisions.get(fixture.id))
        decision = Decision.from_json(known) if known else None
        if decision is None or decision.status != fixture.status.value:
            decision = Decision(
                fixture.status.value, fixture.approved_by, fixture.approved_at or entry.queued_at
            )
        await self.link.decide_fixture(
            fixture.id, decision.status, decision.by, decision.at, fixture.notes
        )
        await self.access.write(lambda s, _e: _remember_decision(s, fixture.id, decision))

    # -- pull ---------------------------------------------------------------------------------

    async def pull(self, wait: float = 0.0) -> PullReport:
        """One page of events (waiting up to ``wait`` s for one), and what they announce."""
        cursor = await self.access.read(lambda s: s.outbox.state().cursor)
        page = await self.link.events(after=cursor, wait=wait, limit=PULL_LIMIT)
        report = PullReport(events=len(page.events), cursor=max(cursor, page.next))
        wanted = _wanted(page.events, self.interest())
        fetched = await self._fetch(wanted)
        added = await self.access.write(lambda s, emit: self._store(s, emit, fetched, report))
        if self._on_interactions is not None and added:
            self._on_interactions(added)
        return report

    async def pull_all(self) -> PullReport:
        """Pull until the feed has nothing more (``entente sync --once``)."""
        total = PullReport()
        while True:
            report = await self.pull(0.0)
            total.events += report.events
            total.cursor = report.cursor
            total.specs |= report.specs
            total.facts_changed |= report.facts_changed
            for kind, n in report.stored.items():
                total.stored[kind] = total.stored.get(kind, 0) + n
            if report.events == 0:
                return total

    async def _fetch(self, wanted: _Wanted) -> _Fetched:
        link, out = self.link, _Fetched()
        for provider, consumer in sorted(wanted.interactions, key=str):
            out.interactions += await link.interactions(provider, consumer)
        for service in sorted(wanted.specs):
            out.specs += await link.spec_versions(service)
        for provider in sorted(wanted.fixtures):
            out.fixtures += await link.fixtures(provider)
        for of, by in sorted(wanted.verifications, key=str):
            out.verifications += await link.verifications(of, by)
        for deployed in sorted(wanted.deployments, key=str):
            out.deployments += await link.deployments(deployed)
        for released in sorted(wanted.releases, key=str):
            out.releases += await link.releases(released)
        if wanted.environments:
            out.environments = await link.environments()
        return out

    def _store(
        self, store: Store, emit: Emit, fetched: _Fetched, report: PullReport
    ) -> list[tuple[Interaction, str]]:
        events: list[payloads.Payload] = []
        added: list[tuple[Interaction, str]] = []
        count: dict[str, int] = {}
        with store.outbox.pulling():
            for environment in fetched.environments:
                if store.environments.get(environment.name) is None:
                    store.environments.ensure(environment.name, production=environment.production)
                    count["environments"] = count.get("environments", 0) + 1
            for spec in fetched.specs:
                known = store.spec_versions.get(spec.id)
                if known is None or known.content_hash != spec.content_hash:
                    store.spec_versions.add(spec)
                    report.specs.add(spec.service)
                    count["spec_versions"] = count.get("spec_versions", 0) + 1
            for interaction in fetched.interactions:
                stored = _add_interaction(store, interaction)
                if stored is not None:
                    added.append((stored, stored.id))
                    events.append(
                        payloads.InteractionRecorded.of(
                            stored, id=stored.id, new=True, total=stored.count
                        )
                    )
            count["interactions"] = len(added)
            for fixture in fetched.fixtures:
                payload = _apply_fixture(store, fixture)
                if payload is not None:
                    events.append(payload)
                    count["fixtures"] = count.get("fixtures", 0) + 1
            for verification in fetched.verifications:
                if store.verifications.get(verification.id) is None:
                    store.verifications.save(verification)
                    count["verifications"] = count.get("verifications", 0) + 1
            for deployment in sorted(fetched.deployments, key=lambda d: d.deployed_at):
                if store.deployments.get(deployment.id) is None:
                    store.deployments.add(deployment)
                    events.append(_deployed(deployment))
                    count["deployments"] = count.get("deployments", 0) + 1
            for release in fetched.releases:
                if store.releases.get(release.id) is None:
                    store.releases.record(release)
                    count["releases"] = count.get("releases", 0) + 1
            state = store.outbox.state()
            store.outbox.update_state(
                cursor=report.cursor,
                last_pull=utc_now(),
                pulled=state.pulled + sum(count.values()),
            )
        report.stored = {k: v for k, v in count.items() if v}
        report.facts_changed = any(
            count.get(k) for k in ("verifications", "deployments", "releases", "environments")
        )
        if events:
            emit([payloads.event_of(p) for p in events])
        return added


# -- what to fetch ------------------------------------------------------------------------------


def _text(payload: dict[str, Any], name: str) -> str | None:
    value = payload.get(name)
    return value if isinstance(value, str) and value else None


def _wanted(events: list[BrokerEvent], interest: Interest) -> _Wanted:
    wanted = _Wanted()
    for event in events:
        p, kind = event.payload, event.kind
        provider, service = _text(p, "provider"), _text(p, "service")
        if kind == "interaction.uploaded":
            if provider is not None and interest.interactions_of(provider):
                wanted.interactions.add((provider, _text(p, "consumer")))
        elif kind == "spec.uploaded":
            if service is not None and interest.specs_of(service):
                wanted.specs.add(service)
        elif kind in ("fixture.proposed", "fixture.decided"):
            if provider is not None and interest.fixtures_of(provider):
                wanted.fixtures.add(provider)
        elif kind == "verification.published":
            wanted.verifications.add((_text(p, "provider"), _text(p, "consumer")))
        elif kind == "deployment.recorded":
            wanted.deployments.add(_text(p, "service"))
            wanted.environments = True
        elif kind == "release.recorded":
            wanted.releases.add(_text(p, "service"))
            wanted.environments = True
        elif kind == "environment.created":
            wanted.environments = True
    return wanted


# -- reading the outbox's records ------------------------------------------------------------


def _load(store: Store, kind: OutboxKind, ids: list[str]) -> dict[str, Record | None]:
    repository: Any = {
        OutboxKind.SPEC_VERSION: store.spec_versions,
        OutboxKind.SERVICE_VERSION: store.service_versions,
        OutboxKind.ENVIRONMENT: store.environments,
        OutboxKind.INTERACTION: store.interactions,
        OutboxKind.FIXTURE: store.fixtures,
        OutboxKind.VERIFICATION: store.verifications,
        OutboxKind.DEPLOYMENT: store.deployments,
        OutboxKind.RELEASE: store.releases,
    }[kind]
    return {record_id: repository.get(record_id) for record_id in ids}


# -- storing what came --------------------------------------------------------------------------


def _add_interaction(store: Store, interaction: Interaction) -> Interaction | None:
    """Store a pulled interaction unless one with its content is here (ours, come back)."""
    hashed = interaction if interaction.content_hash else interaction.with_hash()
    if store.interactions.find_by_hash(hashed.content_hash) is not None:
        return None
    if store.interactions.get(hashed.id) is not None:
        hashed = hashed.model_copy(update={"id": new_id()})
    added = store.interactions.add_counted(hashed)
    return hashed.model_copy(update={"id": added.id}) if added.kept and added.new else None


def _remember_decision(store: Store, fixture_id: str, decision: Decision) -> None:
    state = store.outbox.state()
    store.outbox.update_state(decisions={**state.decisions, fixture_id: decision.to_json()})


def _local_decision(store: Store, fixture: Fixture) -> Decision | None:
    known = store.outbox.state().decisions.get(fixture.id)
    if known:
        return Decision.from_json(known)
    if fixture.status is FixtureStatus.DRAFT:
        return None
    at: datetime | None = fixture.approved_at
    return Decision(fixture.status.value, fixture.approved_by, at) if at else None


def _apply_fixture(store: Store, remote: Fixture) -> payloads.Payload | None:
    """Store a pulled fixture (a new one as it came; a known one only when its decision is
    later than ours); the event to emit, or None when nothing changed."""
    local = store.fixtures.get(remote.id)
    decided = remote.status is not FixtureStatus.DRAFT and remote.approved_at is not None
    decision = (
        Decision(remote.status.value, remote.approved_by, remote.approved_at)
        if decided and remote.approved_at is not None
        else None
    )
    if local is None:
        store.fixtures.add(remote if remote.content_hash else remote.with_hash())
        if decision is not None:
            _remember_decision(store, remote.id, decision)
        return _fixture_event(remote, decision)
    if decision is None or not later(_local_decision(store, local), decision):
        return None
    updated = local.model_copy(
        update={
            "status": remote.status,
            "approved_by": remote.approved_by,
            "approved_at": remote.approved_at,
            "notes": remote.notes if remote.notes is not None else local.notes,
        }
    )
    if updated == local:
        return None
    store.fixtures.update(updated)
    _remember_decision(store, remote.id, decision)
    return _fixture_event(updated, decision)


def _fixture_event(fixture: Fixture, decision: Decision | None) -> payloads.Payload:
    base = {
        "id": fixture.id,
        "provider": fixture.provider,
        "operation_id": fixture.operation_id,
        "status": str(fixture.status),
    }
    if fixture.status is FixtureStatus.APPROVED:
        return payloads.FixtureApproved.model_validate(
            {**base, "by": decision.by if decision else None}
        )
    if fixture.status is FixtureStatus.REJECTED:
        return payloads.FixtureRejected.model_validate(
            {**base, "by": decision.by if decision else None, "note": fixture.notes}
        )
    return payloads.FixtureCreated.model_validate(base)


def _deployed(deployment: Deployment) -> payloads.DeploymentRecorded:
    return payloads.DeploymentRecorded(
        id=deployment.id,
        service=deployment.service,
        version=deployment.version,
        environment=deployment.environment,
        status=str(deployment.status),
        deployed_by=deployment.deployed_by,
        reason=deployment.reason,
    )


__all__ = [
    "Interest",
    "LocalAccess",
    "PullReport",
    "PushReport",
    "StoreAccess",
    "SyncEngine",
]
