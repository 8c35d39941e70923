"""The readiness matrix of one environment: every consumer version that runs there or could
(recorded or verified, not live), against every version of each provider its contract
names that runs there or has verified it, each pair verified / failed / unknown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .facts import Contract, Facts
from .judge import Judgement, PairState, judge, no_provider_version
from .semver import Compatibility


@dataclass(frozen=True)
class MatrixCell:
    consumer: str
    consumer_version: str
    consumer_live: bool
    provider: str
    provider_version: str | None  # None: the provider has no version to judge
    provider_live: bool
    judgement: Judgement

    @property
    def state(self) -> PairState:
        return self.judgement.state

    def to_json(self) -> dict[str, Any]:
        verification = self.judgement.verification
        return {
            "consumer": self.consumer,
            "consumer_version": self.consumer_version,
            "consumer_live": self.consumer_live,
            "provider": self.provider,
            "provider_version": self.provider_version,
            "provider_live": self.provider_live,
            "state": str(self.state),
            "reason": self.judgement.reason,
            "leaned_on": self.judgement.leaned_on,
            "verification_id": None if verification is None else verification.id,
        }


@dataclass(frozen=True)
class Matrix:
    environment: str
    live: tuple[tuple[str, str, str], ...]  # (service, version, kind)
    cells: tuple[MatrixCell, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "live": [{"service": s, "version": v, "kind": k} for s, v, k in self.live],
            "cells": [cell.to_json() for cell in self.cells],
        }


def readiness(
    facts: Facts, environment: str, compatibility: Compatibility = Compatibility.NONE
) -> Matrix:
    live = sorted((v.service, v.version, str(v.kind)) for v in facts.live_services(environment))
    live_set = {(s, v) for s, v, _ in live}
    # each consumer's live versions first, then its candidates
    consumers = sorted(facts.contracts, key=lambda key: (key[0], key not in live_set, key[1]))
    cells: list[MatrixCell] = []
    for key in consumers:
        contracts = facts.contracts[key]
        for provider in sorted(contracts):
            cells.extend(_cells(facts, contracts[provider], environment, live_set, compatibility))
    return Matrix(environment, tuple(live), tuple(cells))


def _cells(
    facts: Facts,
    contract: Contract,
    environment: str,
    live_set: set[tuple[str, str]],
    compatibility: Compatibility,
) -> Iterable[MatrixCell]:
    consumer_live = (contract.consumer, contract.consumer_version) in live_set
    live_versions = [v.version for v in facts.live_versions(contract.provider, environment)]
    verified = facts.verified_versions.get(
        (contract.provider, contract.consumer, contract.consumer_version), set()
    )
    versions = [*live_versions, *sorted(v for v in verified if v not in live_versions)]
    if not versions:
        yield MatrixCell(
            contract.consumer,
            contract.consumer_version,
            consumer_live,
            contract.provider,
            None,
            False,
            no_provider_version(contract.provider, environment),
        )
        return
    for version in versions:
        yield MatrixCell(
            contract.consumer,
            contract.consumer_version,
            consumer_live,
            contract.provider,
            version,
            version in live_versions,
            judge(facts, contract, version, compatibility),
        )
