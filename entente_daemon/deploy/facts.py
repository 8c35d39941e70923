"""What a deployment decision reads, indexed for it: who runs where, what each consumer
version's contract holds, and the latest verification result of each of its interactions.

Built once from the records (or kept up to date by the daemon), a `Facts` answers every
lookup a decision makes from a dictionary, never by scanning interactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class LiveKind(StrEnum):
    DEPLOYED = "deployed"  # the one active version of a service in an environment
    RELEASED = "released"  # one of many released, still supported versions (apps, libraries)
    WHAT_IF = "what-if"  # assumed for one question (can-i-deploy --with)


@dataclass(frozen=True)
class LiveVersion:
    """A version of a service that runs (or is supported) in an environment."""

    service: str
    version: str
    environment: str
    kind: LiveKind = LiveKind.DEPLOYED
    since: datetime | None = None
    by: str | None = None


@dataclass(frozen=True)
class Contract:
    """What one consumer version expects of one provider: its contract interactions'
    content hashes (see `records.contracts`: test-made or promoted, the latest run)."""

    consumer: str
    consumer_version: str
    provider: str
    hashes: frozenset[str]


@dataclass(frozen=True)
class ResultFact:
    """One interaction's result in one verification."""

    verification_id: str
    finished_at: datetime
    ok: bool


@dataclass(frozen=True)
class VerificationFact:
    """A verification run, as a decision shows it."""

    id: str
    provider: str
    provider_version: str
    consumer: str
    consumer_version: str
    finished_at: datetime
    passed: int
    failed: int
    #: each interaction hash this run replayed → whether it passed
    results: tuple[tuple[str, bool], ...] = ()


Pair = tuple[str, str, str, str]  # (provider, provider version, consumer, consumer version)


@dataclass
class Facts:
    """Everything a decision looks up, indexed."""

    #: environment → service → its live versions there
    live: dict[str, dict[str, list[LiveVersion]]] = field(default_factory=dict)
    #: (consumer, consumer version) → provider → contract
    contracts: dict[tuple[str, str], dict[str, Contract]] = field(default_factory=dict)
    #: provider → consumers (name, version) with a contract with it
    consumers_of: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    #: pair → interaction hash → its latest result
    results: dict[Pair, dict[str, ResultFact]] = field(default_factory=dict)
    #: pair → the provider versions verified against that consumer version
    verified_versions: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    verifications: dict[str, VerificationFact] = field(default_factory=dict)
    #: every (service, version) that Entente has heard of: registered, recorded, verified
    known: set[tuple[str, str]] = field(default_factory=set)
    environments: set[str] = field(default_factory=set)

    @classmethod
    def build(
        cls,
        *,
        live: Iterable[LiveVersion] = (),
        contracts: Iterable[Contract] = (),
        verifications: Iterable[VerificationFact] = (),
        known: Iterable[tuple[str, str]] = (),
        environments: Iterable[str] = (),
    ) -> Facts:
        facts = cls(known=set(known), environments=set(environments))
        for version in live:
            facts.add_live(version)
        for contract in contracts:
            facts.add_contract(contract)
        for verification in sorted(verifications, key=lambda v: v.finished_at):
            facts.add_verification(verification)
        return facts

    # -- keeping it up to date (the daemon adds as records arrive) ------------------------

    def add_live(self, version: LiveVersion) -> None:
        self.environments.add(version.environment)
        self.known.add((version.service, version.version))
        versions = self.live.setdefault(version.environment, {}).setdefault(version.service, [])
        if version.kind is not LiveKind.RELEASED:
            versions[:] = [v for v in versions if v.kind is LiveKind.RELEASED]
        versions[:] = [v for v in versions if v.version != version.version]
        versions.append(version)

    def remove_live(self, service: str, environment: str, version: str | None = None) -> None:
        """``version`` None: every version of ``service`` leaves ``environment``."""
        services = self.live.get(environment, {})
        kept = [
            v for v in services.get(service, []) if version is not None and v.version != version
        ]
        if kept:
            services[service] = kept
        else:
            services.pop(service, None)

    def add_contract(self, contract: Contract) -> None:
        key = (contract.consumer, contract.consumer_version)
        self.contracts.setdefault(key, {})[contract.provider] = contract
        self.consumers_of.setdefault(contract.provider, set()).add(key)
        self.known.add(key)

    def add_verification(self, verification: VerificationFact) -> None:
        """Add a run; its results replace older results of the same interactions."""
        self.verifications[verification.id] = verification
        pair = (
            verification.provider,
            verification.provider_version,
            verification.consumer,
            verification.consumer_version,
        )
        latest = self.results.setdefault(pair, {})
        for interaction_hash, ok in verification.results:
            current = latest.get(interaction_hash)
            if current is None or current.finished_at <= verification.finished_at:
                latest[interaction_hash] = ResultFact(verification.id, verification.finished_at, ok)
        self.verified_versions.setdefault(
            (verification.provider, verification.consumer, verification.consumer_version), set()
        ).add(verification.provider_version)
        self.known.add((verification.provider, verification.provider_version))
        self.known.add((verification.consumer, verification.consumer_version))

    # -- lookups --------------------------------------------------------------------------

    def live_versions(self, service: str, environment: str) -> list[LiveVersion]:
        return list(self.live.get(environment, {}).get(service, []))

    def live_services(self, environment: str) -> Iterator[LiveVersion]:
        for versions in self.live.get(environment, {}).values():
            yield from versions

    def providers_of(self, consumer: str, version: str) -> dict[str, Contract]:
        return self.contracts.get((consumer, version), {})

    def contract(self, consumer: str, version: str, provider: str) -> Contract | None:
        return self.contracts.get((consumer, version), {}).get(provider)
