"""can-i-deploy and the readiness matrix in their wire shapes, from the facts, the same for
the daemon and for the local store."""

from __future__ import annotations

from entente_daemon.client.deploy_wire import DeployDecision, DeployQuestion, ReadinessMatrix
from entente_daemon.deploy.decision import Question, can_i_deploy
from entente_daemon.deploy.facts import Facts
from entente_daemon.deploy.matrix import readiness
from entente_daemon.deploy.semver import Compatibility


def service_at_version(text: str) -> tuple[str, str]:
    """``"castle-service@2.0.0"`` → its name and version; ValueError saying what is wrong."""
    name, at, version = text.rpartition("@")
    if not at or not name or not version:
        raise ValueError(f"{text!r}: expected SERVICE@VERSION, such as castle-service@2.0.0")
    return name, version


def question_of(asked: DeployQuestion) -> Question:
    return Question(
        service=asked.service,
        version=asked.version,
        environment=asked.environment,
        ignore=frozenset(asked.ignore),
        with_versions=tuple(service_at_version(w) for w in asked.with_),
        compatibility=Compatibility(asked.semver_compatibility),
    )


def decide(facts: Facts, asked: DeployQuestion) -> DeployDecision:
    return DeployDecision.model_validate(can_i_deploy(facts, question_of(asked)).to_json())


def matrix(facts: Facts, environment: str, compatibility: str = "none") -> ReadinessMatrix:
    built = readiness(facts, environment, Compatibility(compatibility))
    return ReadinessMatrix.model_validate(built.to_json())
