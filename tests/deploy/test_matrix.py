"""The readiness matrix: live consumer versions first, then candidates, each against the
provider versions that run in the environment or have verified them."""

from __future__ import annotations

from entente_daemon.deploy.judge import PairState
from entente_daemon.deploy.matrix import readiness

from .builders import contract, facts, live, verification


def test_live_and_candidate_versions_against_their_providers() -> None:
    state = facts(
        live_versions=live("production", "castle@1.0.0", "web@1.0.0"),
        contracts=[contract("web@1.0.0", "castle"), contract("web@2.0.0", "castle")],
        verifications=[
            verification("castle@1.0.0", "web@1.0.0"),
            verification("castle@2.0.0", "web@1.0.0", ok=False),
            verification("castle@2.0.0", "web@2.0.0"),
        ],
    )
    matrix = readiness(state, "production")
    cells = [
        (
            f"{c.consumer}@{c.consumer_version}",
            c.consumer_live,
            f"{c.provider}@{c.provider_version}",
            c.provider_live,
            c.state,
        )
        for c in matrix.cells
    ]
    assert cells == [
        ("web@1.0.0", True, "castle@1.0.0", True, PairState.VERIFIED),
        ("web@1.0.0", True, "castle@2.0.0", False, PairState.FAILED),
        ("web@2.0.0", False, "castle@1.0.0", True, PairState.UNKNOWN),
        ("web@2.0.0", False, "castle@2.0.0", False, PairState.VERIFIED),
    ]
    assert matrix.to_json()["live"] == [
        {"service": "castle", "version": "1.0.0", "kind": "deployed"},
        {"service": "web", "version": "1.0.0", "kind": "deployed"},
    ]


def test_a_provider_with_no_version_anywhere_is_unknown() -> None:
    matrix = readiness(facts(contracts=[contract("web@1.0.0", "castle")]), "staging")
    [cell] = matrix.cells
    assert cell.provider_version is None
    assert cell.state is PairState.UNKNOWN
    assert "castle has no version in staging" in cell.judgement.reason
