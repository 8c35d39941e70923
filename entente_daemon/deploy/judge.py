"""One pair's state: has this provider version verified this consumer version's contract?

A contract is verified when every one of its interactions has passed against the provider
version (each interaction's latest result counts, so ``entente verify --only-new`` runs
add up); failed when the latest result of any of them failed; unknown while any has no
result. With semantic-version compatibility, a compatible provider version's verified
result stands in for a version that has none of its own (never for one that failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .facts import Contract, Facts, VerificationFact
from .semver import Compatibility, compatible, parse


class PairState(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"
    UNKNOWN = "unknown"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Judgement:
    state: PairState
    reason: str
    verification: VerificationFact | None = None
    #: the provider version whose verification counted, when not the one asked about
    leaned_on: str | None = None


def no_provider_version(provider: str, environment: str) -> Judgement:
    """A pair with nothing to judge: the provider has no version in that environment."""
    return Judgement(PairState.UNKNOWN, f"{provider} has no version in {environment}")


def judge(
    facts: Facts,
    contract: Contract,
    provider_version: str,
    compatibility: Compatibility = Compatibility.NONE,
) -> Judgement:
    exact = _judge_exact(facts, contract, provider_version)
    if exact.state is not PairState.UNKNOWN or compatibility is Compatibility.NONE:
        return exact
    verified = facts.verified_versions.get(
        (contract.provider, contract.consumer, contract.consumer_version), set()
    )
    others = sorted(
        (
            v
            for v in verified
            if v != provider_version and compatible(provider_version, v, compatibility)
        ),
        key=lambda v: parse(v) or (0, 0, 0),
        reverse=True,
    )
    for other in others:
        leaned = _judge_exact(facts, contract, other)
        if leaned.state is PairState.VERIFIED:
            return Judgement(
                PairState.VERIFIED,
                f"{contract.provider} {other} verified it, and {provider_version} is "
                f"{compatibility}-compatible with {other}",
                leaned.verification,
                leaned_on=other,
            )
    return exact


def _judge_exact(facts: Facts, contract: Contract, provider_version: str) -> Judgement:
    pair = (contract.provider, provider_version, contract.consumer, contract.consumer_version)
    results = facts.results.get(pair, {})
    consumer = f"{contract.consumer} {contract.consumer_version}"
    provider = f"{contract.provider} {provider_version}"
    total = len(contract.hashes)
    found = [results[h] for h in contract.hashes if h in results]
    failed = [r for r in found if not r.ok]
    newest = max(found, key=lambda r: r.finished_at, default=None)
    if failed:
        latest_failure = max(failed, key=lambda r: r.finished_at)
        return Judgement(
            PairState.FAILED,
            f"{len(failed)} of {consumer}'s {_count(total)} failed against {provider}",
            facts.verifications.get(latest_failure.verification_id),
        )
    used = None if newest is None else facts.verifications.get(newest.verification_id)
    missing = total - len(found)
    if not found:
        return Judgement(PairState.UNKNOWN, f"{provider} has not been verified against {consumer}")
    if missing:
        return Judgement(
            PairState.UNKNOWN,
            f"{missing} of {consumer}'s {_count(total)} not yet verified against {provider}",
            used,
        )
    return Judgement(
        PairState.VERIFIED, f"{provider} passed all {_count(total)} of {consumer}", used
    )


def _count(n: int) -> str:
    return f"{n} interaction{'s' if n != 1 else ''}"
