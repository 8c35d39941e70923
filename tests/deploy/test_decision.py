"""can-i-deploy's rules, one scenario per row: the facts, the question, the answer, and what
each pair says."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from entente_daemon.deploy.decision import Answer, Decision, Question, Role, can_i_deploy
from entente_daemon.deploy.facts import Facts, LiveKind, LiveVersion
from entente_daemon.deploy.judge import PairState
from entente_daemon.deploy.semver import Compatibility

from .builders import contract, facts, live, split, verification

WEB = contract("web@1.0.0", "castle")
WEB2 = contract("web@2.0.0", "castle")
APP = contract("app@3.0.0", "castle")


@dataclass
class Case:
    facts: Facts
    ask: str  # "service@version"
    environment: str
    answer: Answer
    #: (consumer@version, provider@version or provider@-, state) of every pair, in order
    pairs: list[tuple[str, str, PairState]] = field(default_factory=list)
    ignore: tuple[str, ...] = ()
    with_versions: tuple[str, ...] = ()
    compatibility: Compatibility = Compatibility.NONE
    reason: str = ""  # a sentence the reasons must hold
    step: str = ""  # a part of the next steps


CASES: dict[str, Case] = {
    "a provider's first deploy, no consumer at all": Case(
        facts(known=["castle@1.0.0"]),
        "castle@1.0.0",
        "production",
        Answer.YES,
        reason="no consumer has a contract with castle",
    ),
    "a provider whose consumers are not in the environment": Case(
        facts(contracts=[WEB], known=["castle@1.0.0"]),
        "castle@1.0.0",
        "production",
        Answer.YES,
        reason="no consumer version in production has a contract with castle",
    ),
    "a consumer with no dependencies": Case(
        facts(known=["web@1.0.0"]),
        "web@1.0.0",
        "production",
        Answer.YES,
        reason="web 1.0.0 has no contract with any provider (it depends on nothing)",
    ),
    "a consumer whose provider is not yet in the environment": Case(
        facts(contracts=[WEB], verifications=[verification("castle@1.0.0", "web@1.0.0")]),
        "web@1.0.0",
        "production",
        Answer.UNKNOWN,
        [("web@1.0.0", "castle@-", PairState.UNKNOWN)],
        step="deploy castle to production first",
    ),
    "a consumer verified by the provider version that runs there": Case(
        facts(
            live_versions=live("production", "castle@1.0.0"),
            contracts=[WEB],
            verifications=[verification("castle@1.0.0", "web@1.0.0")],
        ),
        "web@1.0.0",
        "production",
        Answer.YES,
        [("web@1.0.0", "castle@1.0.0", PairState.VERIFIED)],
        reason="every pair is verified (1 pair)",
    ),
    "a provider upgrade that a live consumer has not verified": Case(
        facts(
            live_versions=live("production", "castle@1.0.0", "web@1.0.0"),
            contracts=[WEB],
            verifications=[verification("castle@1.0.0", "web@1.0.0")],
            known=["castle@1.1.0"],
        ),
        "castle@1.1.0",
        "production",
        Answer.UNKNOWN,
        [("web@1.0.0", "castle@1.1.0", PairState.UNKNOWN)],
        step="entente verify --provider castle --provider-version 1.1.0",
    ),
    "a consumer live in staging but not in production": Case(
        facts(
            live_versions=live("staging", "web@1.0.0"),
            contracts=[WEB],
            known=["castle@2.0.0"],
        ),
        "castle@2.0.0",
        "production",
        Answer.YES,
    ),
    "the same provider to staging, where that consumer runs": Case(
        facts(
            live_versions=live("staging", "web@1.0.0"),
            contracts=[WEB],
            known=["castle@2.0.0"],
        ),
        "castle@2.0.0",
        "staging",
        Answer.UNKNOWN,
        [("web@1.0.0", "castle@2.0.0", PairState.UNKNOWN)],
    ),
    "a failed verification": Case(
        facts(
            live_versions=live("production", "web@1.0.0"),
            contracts=[WEB],
            verifications=[verification("castle@2.0.0", "web@1.0.0", ok=False)],
        ),
        "castle@2.0.0",
        "production",
        Answer.NO,
        [("web@1.0.0", "castle@2.0.0", PairState.FAILED)],
        reason="1 pair failed verification",
        step="fix castle 2.0.0 or web 1.0.0",
    ),
    "a failure fixed by a later verification of the same versions": Case(
        facts(
            live_versions=live("production", "web@1.0.0"),
            contracts=[WEB],
            verifications=[
                verification("castle@2.0.0", "web@1.0.0", ok=False),
                verification("castle@2.0.0", "web@1.0.0", ok=True),
            ],
        ),
        "castle@2.0.0",
        "production",
        Answer.YES,
        [("web@1.0.0", "castle@2.0.0", PairState.VERIFIED)],
    ),
    "a verification that covers only part of the contract": Case(
        facts(
            live_versions=live("production", "castle@1.0.0"),
            contracts=[contract("web@1.0.0", "castle", "a", "b")],
            verifications=[verification("castle@1.0.0", "web@1.0.0", {"a": True})],
        ),
        "web@1.0.0",
        "production",
        Answer.UNKNOWN,
        [("web@1.0.0", "castle@1.0.0", PairState.UNKNOWN)],
    ),
    "--only-new runs that add up to the whole contract": Case(
        facts(
            live_versions=live("production", "castle@1.0.0"),
            contracts=[contract("web@1.0.0", "castle", "a", "b")],
            verifications=[
                verification("castle@1.0.0", "web@1.0.0", {"a": True}),
                verification("castle@1.0.0", "web@1.0.0", {"b": True}),
            ],
        ),
        "web@1.0.0",
        "production",
        Answer.YES,
        [("web@1.0.0", "castle@1.0.0", PairState.VERIFIED)],
    ),
    "two consumers of one provider, one verified and one not": Case(
        facts(
            live_versions=live("production", "web@1.0.0", "app@3.0.0"),
            contracts=[WEB, APP],
            verifications=[verification("castle@2.0.0", "web@1.0.0")],
        ),
        "castle@2.0.0",
        "production",
        Answer.UNKNOWN,
        [
            ("app@3.0.0", "castle@2.0.0", PairState.UNKNOWN),
            ("web@1.0.0", "castle@2.0.0", PairState.VERIFIED),
        ],
        reason="1 pair not known to be verified",
    ),
    "--ignore leaves the unverified consumer out": Case(
        facts(
            live_versions=live("production", "web@1.0.0", "app@3.0.0"),
            contracts=[WEB, APP],
            verifications=[verification("castle@2.0.0", "web@1.0.0")],
        ),
        "castle@2.0.0",
        "production",
        Answer.YES,
        [
            ("app@3.0.0", "castle@2.0.0", PairState.IGNORED),
            ("web@1.0.0", "castle@2.0.0", PairState.VERIFIED),
        ],
        ignore=("app",),
    ),
    "a rolled-back deployment: the older provider runs again": Case(
        facts(
            live_versions=[
                *live("production", "castle@2.0.0"),
                *live("production", "castle@1.0.0"),  # redeployed: supersedes 2.0.0
            ],
            contracts=[WEB],
            verifications=[verification("castle@1.0.0", "web@1.0.0")],
        ),
        "web@1.0.0",
        "production",
        Answer.YES,
        [("web@1.0.0", "castle@1.0.0", PairState.VERIFIED)],
    ),
    "released versions all count: each must be verified": Case(
        facts(
            live_versions=live("production", "web@1.0.0", "web@2.0.0", kind=LiveKind.RELEASED),
            contracts=[WEB, WEB2],
            verifications=[verification("castle@2.0.0", "web@2.0.0")],
        ),
        "castle@2.0.0",
        "production",
        Answer.UNKNOWN,
        [
            ("web@1.0.0", "castle@2.0.0", PairState.UNKNOWN),
            ("web@2.0.0", "castle@2.0.0", PairState.VERIFIED),
        ],
    ),
    "a version never registered": Case(
        facts(known=["castle@1.0.0"]),
        "castle@9.9.9",
        "production",
        Answer.NO,
        reason="castle 9.9.9 was never registered, recorded or verified",
        step="entente register-service --name castle --service-version 9.9.9",
    ),
    "what-if: the provider deployed together with the consumer": Case(
        facts(
            contracts=[WEB2],
            verifications=[verification("castle@2.0.0", "web@2.0.0")],
        ),
        "web@2.0.0",
        "production",
        Answer.YES,
        [("web@2.0.0", "castle@2.0.0", PairState.VERIFIED)],
        with_versions=("castle@2.0.0",),
    ),
    "what-if replaces the deployed version": Case(
        facts(
            live_versions=live("production", "castle@1.0.0"),
            contracts=[WEB2],
            verifications=[verification("castle@2.0.0", "web@2.0.0")],
        ),
        "web@2.0.0",
        "production",
        Answer.YES,
        [("web@2.0.0", "castle@2.0.0", PairState.VERIFIED)],
        with_versions=("castle@2.0.0",),
    ),
}


def _semver_case(level: Compatibility, verified: str, answer: Answer) -> Case:
    return Case(
        facts(
            live_versions=live("production", "castle@1.2.3"),
            contracts=[WEB],
            verifications=[verification(f"castle@{verified}", "web@1.0.0")],
        ),
        "web@1.0.0",
        "production",
        answer,
        compatibility=level,
    )


SEMVER = {
    "none: only the exact version": _semver_case(Compatibility.NONE, "1.2.0", Answer.UNKNOWN),
    "patch: same major and minor": _semver_case(Compatibility.PATCH, "1.2.0", Answer.YES),
    "patch: not another minor": _semver_case(Compatibility.PATCH, "1.1.0", Answer.UNKNOWN),
    "minor: same major": _semver_case(Compatibility.MINOR, "1.1.0", Answer.YES),
    "minor: not another major": _semver_case(Compatibility.MINOR, "2.2.3", Answer.UNKNOWN),
}


def ask(case: Case) -> Decision:
    service, version = split(case.ask)
    question = Question(
        service,
        version,
        case.environment,
        ignore=frozenset(case.ignore),
        with_versions=tuple(split(w) for w in case.with_versions),
        compatibility=case.compatibility,
    )
    return can_i_deploy(case.facts, question)


@pytest.mark.parametrize("name", list(CASES))
def test_decision(name: str) -> None:
    case = CASES[name]
    decision = ask(case)
    assert decision.answer is case.answer, decision.reasons
    got = [
        (f"{r.consumer}@{r.consumer_version}", f"{r.provider}@{r.provider_version or '-'}", r.state)
        for r in decision.rows
    ]
    assert got == case.pairs
    if case.reason:
        assert case.reason in decision.reasons
    if case.step:
        assert any(case.step in step for step in decision.next_steps), decision.next_steps
    if decision.answer is Answer.YES:
        assert decision.next_steps == ()
    else:
        assert decision.next_steps, "an answer that is not yes says what to run next"


@pytest.mark.parametrize("name", list(SEMVER))
def test_semver_compatibility(name: str) -> None:
    case = SEMVER[name]
    decision = ask(case)
    assert decision.answer is case.answer
    [row] = decision.rows
    if case.answer is Answer.YES and case.compatibility is not Compatibility.NONE:
        assert row.judgement.leaned_on is not None, "the answer says which version it used"
        assert row.judgement.leaned_on in row.judgement.reason


def test_a_failure_is_not_hidden_by_a_compatible_pass() -> None:
    decision = ask(
        Case(
            facts(
                live_versions=live("production", "castle@1.2.3"),
                contracts=[WEB],
                verifications=[
                    verification("castle@1.2.0", "web@1.0.0"),
                    verification("castle@1.2.3", "web@1.0.0", ok=False),
                ],
            ),
            "web@1.0.0",
            "production",
            Answer.NO,
            compatibility=Compatibility.MINOR,
        )
    )
    assert decision.answer is Answer.NO


def test_a_service_is_checked_in_both_its_roles() -> None:
    """castle consumes dragon and serves web: both sides are pairs of its answer."""
    both = facts(
        live_versions=live("production", "web@1.0.0", "dragon@5.0.0"),
        contracts=[WEB, contract("castle@2.0.0", "dragon")],
        verifications=[
            verification("castle@2.0.0", "web@1.0.0"),
            verification("dragon@5.0.0", "castle@2.0.0", ok=False),
        ],
    )
    decision = can_i_deploy(both, Question("castle", "2.0.0", "production"))
    assert decision.answer is Answer.NO
    assert [(r.role, r.state) for r in decision.rows] == [
        (Role.CONSUMER, PairState.FAILED),
        (Role.PROVIDER, PairState.VERIFIED),
    ]


def test_the_json_shape_is_stable() -> None:
    decision = ask(CASES["two consumers of one provider, one verified and one not"])
    shape = decision.to_json()
    assert set(shape) == {"shape", "summary", "pairs"}
    assert shape["summary"]["answer"] == "unknown"
    assert shape["summary"]["deployable"] is False
    assert set(shape["pairs"][1]) == {
        "role",
        "consumer",
        "consumer_version",
        "provider",
        "provider_version",
        "state",
        "reason",
        "leaned_on",
        "verification",
    }
    assert set(shape["pairs"][1]["verification"]) == {
        "id",
        "provider_version",
        "finished_at",
        "passed",
        "failed",
    }


def test_facts_keep_one_deployed_version_and_every_release() -> None:
    state = Facts()
    state.add_live(LiveVersion("web", "1.0.0", "production", LiveKind.RELEASED))
    state.add_live(LiveVersion("web", "2.0.0", "production", LiveKind.RELEASED))
    state.add_live(LiveVersion("castle", "1.0.0", "production"))
    state.add_live(LiveVersion("castle", "2.0.0", "production"))
    assert [v.version for v in state.live_versions("castle", "production")] == ["2.0.0"]
    assert [v.version for v in state.live_versions("web", "production")] == ["1.0.0", "2.0.0"]
    state.remove_live("web", "production", "1.0.0")  # support ended
    assert [v.version for v in state.live_versions("web", "production")] == ["2.0.0"]
    state.remove_live("castle", "production")  # undeployed
    assert state.live_versions("castle", "production") == []


def test_an_undeployed_provider_leaves_its_consumer_unknown() -> None:
    state = facts(
        live_versions=live("production", "castle@1.0.0"),
        contracts=[WEB],
        verifications=[verification("castle@1.0.0", "web@1.0.0")],
    )
    assert can_i_deploy(state, Question("web", "1.0.0", "production")).answer is Answer.YES
    state.remove_live("castle", "production")
    assert can_i_deploy(state, Question("web", "1.0.0", "production")).answer is Answer.UNKNOWN
