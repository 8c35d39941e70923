"""can-i-deploy: may ``service`` at ``version`` run in ``environment`` beside what runs there?

A service is checked in every role it plays:

* as a **consumer**: each provider its contract names must have a version in the
  environment, and each such version must have verified exactly this consumer version
  (or, with semantic-version compatibility, a compatible provider version must have);
* as a **provider**: each consumer version live in the environment with a contract with this
  provider must have been verified by this version.

The answer is **yes** when every pair is verified (or nothing depends on anything), **no**
when a pair failed or a named version is unknown to Entente, **unknown** when a needed
verification has not run or a needed provider is not in the environment. Only yes is safe.
Every pair says why, and an answer that is not yes says what to run next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .facts import Contract, Facts, LiveKind, LiveVersion
from .judge import Judgement, PairState, judge, no_provider_version
from .semver import Compatibility

#: The version of ``Decision.to_json``'s shape; bump it when the shape changes.
JSON_SHAPE = 1


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Role(StrEnum):
    CONSUMER = "consumer"
    PROVIDER = "provider"


@dataclass(frozen=True)
class Question:
    service: str
    version: str
    environment: str
    ignore: frozenset[str] = frozenset()
    #: (service, version) assumed to run in the environment too (released together)
    with_versions: tuple[tuple[str, str], ...] = ()
    compatibility: Compatibility = Compatibility.NONE


@dataclass(frozen=True)
class PairRow:
    """One consumer version against one provider version (None: none in the environment)."""

    role: Role  # the role the asked service plays in this pair
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str | None
    judgement: Judgement

    @property
    def state(self) -> PairState:
        return self.judgement.state

    def to_json(self) -> dict[str, Any]:
        verification = self.judgement.verification
        return {
            "role": str(self.role),
            "consumer": self.consumer,
            "consumer_version": self.consumer_version,
            "provider": self.provider,
            "provider_version": self.provider_version,
            "state": str(self.state),
            "reason": self.judgement.reason,
            "leaned_on": self.judgement.leaned_on,
            "verification": None
            if verification is None
            else {
                "id": verification.id,
                "provider_version": verification.provider_version,
                "finished_at": verification.finished_at.isoformat(),
                "passed": verification.passed,
                "failed": verification.failed,
            },
        }


@dataclass(frozen=True)
class Decision:
    question: Question
    answer: Answer
    rows: tuple[PairRow, ...]
    reasons: tuple[str, ...]  # why, in sentences (the summary)
    next_steps: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.answer is Answer.YES

    def to_json(self) -> dict[str, Any]:
        """The stable shape of ``entente can-i-deploy --json`` (see the README)."""
        q = self.question
        return {
            "shape": JSON_SHAPE,
            "summary": {
                "answer": str(self.answer),
                "deployable": self.ok,
                "service": q.service,
                "version": q.version,
                "environment": q.environment,
                "reasons": list(self.reasons),
                "next_steps": list(self.next_steps),
                "ignored": sorted(q.ignore),
                "with": [f"{s}@{v}" for s, v in q.with_versions],
                "semver_compatibility": str(q.compatibility),
            },
            "pairs": [row.to_json() for row in self.rows],
        }


def can_i_deploy(facts: Facts, question: Question) -> Decision:
    q = question
    unknown_names = [
        f"{s} {v}"
        for s, v in ((q.service, q.version), *q.with_versions)
        if (s, v) not in facts.known
    ]
    if unknown_names:
        reasons = tuple(
            f"{name} was never registered, recorded or verified" for name in unknown_names
        )
        steps = tuple(
            f"entente register-service --name {name.split(' ')[0]} --service-version "
            f"{name.split(' ')[1]} (or check the name and version)"
            for name in unknown_names
        )
        return Decision(q, Answer.NO, (), reasons, steps)

    rows = [*_as_consumer(facts, q), *_as_provider(facts, q)]
    counted = [r for r in rows if r.state is not PairState.IGNORED]
    if any(r.state is PairState.FAILED for r in counted):
        answer = Answer.NO
    elif any(r.state is PairState.UNKNOWN for r in counted):
        answer = Answer.UNKNOWN
    else:
        answer = Answer.YES
    return Decision(q, answer, tuple(rows), _reasons(facts, q, rows, answer), _next_steps(q, rows))


def _live(facts: Facts, q: Question, service: str) -> list[LiveVersion]:
    """``service``'s versions in the question's environment, the what-if ones included."""
    assumed = [
        LiveVersion(s, v, q.environment, LiveKind.WHAT_IF)
        for s, v in q.with_versions
        if s == service
    ]
    if assumed:
        released = [
            v for v in facts.live_versions(service, q.environment) if v.kind is LiveKind.RELEASED
        ]
        return [*released, *assumed]
    return facts.live_versions(service, q.environment)


def _as_consumer(facts: Facts, q: Question) -> Iterable[PairRow]:
    for provider, contract in sorted(facts.providers_of(q.service, q.version).items()):
        if provider == q.service:
            continue
        if provider in q.ignore:
            yield _ignored(Role.CONSUMER, contract, None)
            continue
        versions = _live(facts, q, provider)
        if not versions:
            yield PairRow(
                Role.CONSUMER,
                q.service,
                q.version,
                provider,
                None,
                no_provider_version(provider, q.environment),
            )
            continue
        for live in versions:
            yield PairRow(
                Role.CONSUMER,
                q.service,
                q.version,
                provider,
                live.version,
                judge(facts, contract, live.version, q.compatibility),
            )


def _as_provider(facts: Facts, q: Question) -> Iterable[PairRow]:
    names = sorted({name for name, _ in facts.consumers_of.get(q.service, set())})
    for consumer in names:
        if consumer == q.service:
            continue
        for live in _live(facts, q, consumer):
            contract = facts.contract(consumer, live.version, q.service)
            if contract is None:
                continue  # this consumer version does not use the provider
            if consumer in q.ignore:
                yield _ignored(Role.PROVIDER, contract, q.version)
                continue
            yield PairRow(
                Role.PROVIDER,
                consumer,
                live.version,
                q.service,
                q.version,
                judge(facts, contract, q.version, q.compatibility),
            )


def _ignored(role: Role, contract: Contract, provider_version: str | None) -> PairRow:
    name = contract.provider if role is Role.CONSUMER else contract.consumer
    return PairRow(
        role,
        contract.consumer,
        contract.consumer_version,
        contract.provider,
        provider_version,
        Judgement(PairState.IGNORED, f"{name} is ignored (--ignore)"),
    )


def _reasons(facts: Facts, q: Question, rows: list[PairRow], answer: Answer) -> tuple[str, ...]:
    me = f"{q.service} {q.version}"
    reasons: list[str] = []
    as_consumer = [r for r in rows if r.role is Role.CONSUMER]
    as_provider = [r for r in rows if r.role is Role.PROVIDER]
    if not facts.providers_of(q.service, q.version) and q.service not in facts.consumers_of:
        reasons.append(f"{me} has no contract with any provider (it depends on nothing)")
    if not as_provider and q.service in facts.consumers_of:
        reasons.append(f"no consumer version in {q.environment} has a contract with {q.service}")
    elif q.service not in facts.consumers_of and not as_consumer:
        reasons.append(f"no consumer has a contract with {q.service}")
    failed = [r for r in rows if r.state is PairState.FAILED]
    unknown = [r for r in rows if r.state is PairState.UNKNOWN]
    verified = [r for r in rows if r.state is PairState.VERIFIED]
    if failed:
        reasons.append(f"{_pairs(len(failed))} failed verification")
    if unknown:
        reasons.append(f"{_pairs(len(unknown))} not known to be verified")
    if answer is Answer.YES:
        if verified:
            reasons.append(f"every pair is verified ({_pairs(len(verified))})")
        reasons.append(f"{me} may deploy to {q.environment}")
    return tuple(reasons)


def _next_steps(q: Question, rows: list[PairRow]) -> tuple[str, ...]:
    steps: list[str] = []
    for row in rows:
        if row.state in (PairState.VERIFIED, PairState.IGNORED):
            continue
        if row.provider_version is None:
            step = (
                f"deploy {row.provider} to {q.environment} first (entente deploy-service "
                f"--name {row.provider} --service-version VERSION --environment "
                f"{q.environment}), or ask with --with {row.provider}@VERSION"
            )
        else:
            verify = (
                f"entente verify --provider {row.provider} --provider-version "
                f"{row.provider_version}"
            )
            if row.state is PairState.FAILED:
                step = (
                    f"fix {row.provider} {row.provider_version} or {row.consumer} "
                    f"{row.consumer_version}, then run `{verify}` (with that version running)"
                )
            else:
                step = (
                    f"run `{verify}` with {row.provider} {row.provider_version} running, "
                    f"to verify {row.consumer} {row.consumer_version}'s contract"
                )
        if step not in steps:
            steps.append(step)
    return tuple(steps)


def _pairs(n: int) -> str:
    return f"{n} pair{'s' if n != 1 else ''}"
