"""Deployment records kept in a store: the writes (register, upload a spec, deploy,
undeploy, release, end support) with their rules, and the facts a decision reads.

The daemon (through its one writer) and `StoreRecords` (no daemon) both call these, so both
apply the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from entente_daemon.client.events import (
    DeploymentRecorded,
    Payload,
    ReadinessChanged,
    ReleaseRecorded,
)
from entente_daemon.deploy.facts import Contract, Facts, LiveKind, LiveVersion, VerificationFact
from entente_daemon.errors import StoreError
from entente_daemon.model import (
    Deployment,
    DeploymentStatus,
    Environment,
    Interaction,
    Release,
    ServiceVersion,
    SpecVersion,
    Verification,
)
from entente_daemon.records.contracts import contract_interactions
from entente_daemon.store import Store

T = TypeVar("T")


class SpecConflict(StoreError):
    """A different spec is already stored for that service version."""


@dataclass(frozen=True)
class Written(Generic[T]):
    """What a write stored, and the events that tell of it (to store and send)."""

    value: T
    events: list[Payload]


@dataclass(frozen=True)
class SpecUpload:
    spec: SpecVersion
    stored: bool  # False: the same content was there already (a no-op)


def upload_spec(store: Store, spec: SpecVersion, *, force: bool = False) -> SpecUpload:
    """Store a spec version. The same content again changes nothing; another content for a
    stored version is refused unless ``force``."""
    current = store.spec_versions.get_version(spec.service, spec.version)
    if current is not None and current.content_hash == spec.content_hash:
        return SpecUpload(current, stored=False)
    if current is not None and not force:
        raise SpecConflict(
            f"{spec.service} {spec.version} already has a different spec (content "
            f"{current.content_hash[:12]}, uploaded {current.uploaded_at:%Y-%m-%d %H:%M}); "
            "give the changed spec a new version, or use --force to replace it"
        )
    store.spec_versions.add(spec)
    store.service_versions.register(
        ServiceVersion(service=spec.service, version=spec.version, spec_hash=spec.content_hash)
    )
    return SpecUpload(spec, stored=True)


def register_version(store: Store, version: ServiceVersion) -> ServiceVersion:
    return store.service_versions.register(version)


def record_deployment(store: Store, deployment: Deployment) -> Written[Deployment]:
    """Add a deployment (its environment is made when new; the version registered)."""
    before = store.deployments.active(
        service=deployment.service, environment=deployment.environment
    )
    store.environments.ensure(deployment.environment)
    given = {"role": deployment.role, "git_sha": deployment.git_sha}
    store.service_versions.register(
        ServiceVersion.model_validate(
            {
                "service": deployment.service,
                "version": deployment.version,
                **{k: v for k, v in given.items() if v is not None},
            }
        )
    )
    store.deployments.add(deployment)
    stored = deployment.model_copy(
        update={"active": deployment.status is DeploymentStatus.SUCCESSFUL}
    )
    return Written(stored, _deployment_events(stored, before))


def undeploy(store: Store, service: str, environment: str, by: str | None) -> Written[Deployment]:
    before = store.deployments.active(service=service, environment=environment)
    gone = store.deployments.undeploy(service, environment, by=by)
    return Written(gone, _deployment_events(gone, before))


def record_release(store: Store, release: Release) -> Written[Release]:
    store.environments.ensure(release.environment)
    registered = ServiceVersion(service=release.service, version=release.version)
    store.service_versions.register(registered)
    stored = store.releases.record(release)
    return Written(stored, _release_events(stored))


def end_support(store: Store, service: str, version: str, environment: str) -> Written[Release]:
    ended = store.releases.end_support(service, version, environment)
    return Written(ended, _release_events(ended))


def _deployment_events(deployment: Deployment, before: list[Deployment]) -> list[Payload]:
    previous = before[0].version if before else None
    return [
        DeploymentRecorded(
            id=deployment.id,
            service=deployment.service,
            version=deployment.version,
            environment=deployment.environment,
            status=str(deployment.status),
            deployed_by=deployment.deployed_by,
            previous=previous,
            reason=deployment.reason,
        ),
        ReadinessChanged(
            environments=[deployment.environment],
            services=[deployment.service],
            cause="deployment",
        ),
    ]


def _release_events(release: Release) -> list[Payload]:
    return [
        ReleaseRecorded(
            service=release.service,
            version=release.version,
            environment=release.environment,
            supported=release.supported,
        ),
        ReadinessChanged(
            environments=[release.environment], services=[release.service], cause="release"
        ),
    ]


def create_environment(store: Store, name: str, production: bool) -> Environment:
    return store.environments.ensure(name, production=production)


def environments(store: Store) -> list[Environment]:
    """The environments made or deployed to."""
    named = {e.name: e for e in store.environments.list()}
    for deployment in store.deployments.active():
        named.setdefault(deployment.environment, Environment(name=deployment.environment))
    return sorted(named.values(), key=lambda e: e.name)


# -- the facts a decision reads -------------------------------------------------------------


@dataclass(frozen=True)
class LiveState:
    """What runs where, and which environments and versions exist: the small part of the
    facts, read again after each deployment or release."""

    live: list[LiveVersion]
    known: set[tuple[str, str]]
    environments: set[str]

    def apply(self, facts: Facts) -> None:
        facts.live = {}
        for version in self.live:
            facts.add_live(version)
        facts.known |= self.known
        facts.environments |= self.environments


def live_state(store: Store) -> LiveState:
    live = [
        LiveVersion(
            d.service,
            d.version,
            d.environment,
            LiveKind.DEPLOYED,
            since=d.deployed_at,
            by=d.deployed_by,
        )
        for d in store.deployments.active()
    ] + [
        LiveVersion(
            r.service,
            r.version,
            r.environment,
            LiveKind.RELEASED,
            since=r.released_at,
            by=r.released_by,
        )
        for r in store.releases.list(supported=True)
    ]
    known = {(v.service, v.version) for v in store.service_versions.list()}
    known |= {(spec.service, spec.version) for spec in _all_specs(store)}
    return LiveState(live, known, {e.name for e in environments(store)})


def verification_fact(verification: Verification) -> VerificationFact:
    return VerificationFact(
        id=verification.id,
        provider=verification.provider,
        provider_version=verification.provider_version,
        consumer=verification.consumer,
        consumer_version=verification.consumer_version,
        finished_at=verification.finished_at or verification.started_at,
        passed=verification.passed,
        failed=verification.failed,
        results=tuple(
            (r.interaction_hash, r.ok) for r in verification.results if r.interaction_hash
        ),
    )


def gather_facts(store: Store) -> Facts:
    """Everything can-i-deploy and the readiness matrix read, from one pass over the store."""
    facts = Facts()
    live_state(store).apply(facts)
    heads: list[InteractionHead] = []
    store.interactions.scan(InteractionHead.of, heads.extend)  # nothing parsed into models
    hashes: dict[tuple[str, str, str], set[str]] = {}
    for head in heads:
        facts.known.add((head.consumer, head.consumer_version))
        facts.known.add((head.provider, head.provider_version))
    for head in contract_interactions(heads):
        key = (head.consumer, head.consumer_version, head.provider)
        hashes.setdefault(key, set()).add(head.content_hash)
    for (consumer, consumer_version, provider), found in hashes.items():
        facts.add_contract(Contract(consumer, consumer_version, provider, frozenset(found)))
    verifications = sorted(store.verifications.list(), key=lambda v: v.finished_at or v.started_at)
    for verification in verifications:
        facts.add_verification(verification_fact(verification))
    return facts


@dataclass(frozen=True)
class InteractionHead:
    """What a decision reads of a stored interaction, read straight from its document."""

    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    test_id: str | None
    run_id: str | None
    promoted: bool
    timestamp: datetime
    last_seen: datetime | None
    content_hash: str

    @property
    def contract(self) -> bool:
        return self.promoted or bool(self.test_id)

    @classmethod
    def of(cls, _id: str, doc: dict[str, Any]) -> InteractionHead:
        seen = doc.get("last_seen")
        content = doc.get("content_hash") or Interaction.model_validate(doc).compute_hash()
        return cls(
            consumer=doc["consumer"],
            consumer_version=doc["consumer_version"],
            provider=doc["provider"],
            provider_version=doc["provider_version"],
            test_id=doc.get("test_id"),
            run_id=doc.get("run_id"),
            promoted=bool(doc.get("promoted", False)),
            timestamp=datetime.fromisoformat(doc["timestamp"]),
            last_seen=None if seen is None else datetime.fromisoformat(seen),
            content_hash=content,
        )


def _all_specs(store: Store) -> list[SpecVersion]:
    services = {s.name for s in store.services.list()}
    services |= {v.service for v in store.service_versions.list()}
    return [
        spec for service in sorted(services) for spec in store.spec_versions.list_versions(service)
    ]
