"""The wire shapes of deployment answers: can-i-deploy's decision and an environment's
readiness matrix (the stable JSON of ``entente can-i-deploy --json`` and ``entente matrix
--json``, and of the daemon's ``/v1/can-i-deploy`` and ``/v1/readiness``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from entente_daemon.model import SpecVersion

State = Literal["verified", "failed", "unknown", "ignored"]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a newer daemon may say more


class VerificationUsed(_Wire):
    id: str
    provider_version: str
    finished_at: datetime
    passed: int
    failed: int


class DecisionPair(_Wire):
    role: Literal["consumer", "provider"]
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str | None
    state: State
    reason: str
    leaned_on: str | None = None
    verification: VerificationUsed | None = None


class DecisionSummary(_Wire):
    answer: Literal["yes", "no", "unknown"]
    deployable: bool
    service: str
    version: str
    environment: str
    reasons: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    ignored: list[str] = Field(default_factory=list)
    with_: list[str] = Field(default_factory=list, alias="with")
    semver_compatibility: str = "none"


class DeployDecision(_Wire):
    shape: int
    summary: DecisionSummary
    pairs: list[DecisionPair] = Field(default_factory=list)


class LiveEntry(_Wire):
    service: str
    version: str
    kind: str  # deployed | released


class MatrixCell(_Wire):
    consumer: str
    consumer_version: str
    consumer_live: bool
    provider: str
    provider_version: str | None
    provider_live: bool
    state: State
    reason: str
    leaned_on: str | None = None
    verification_id: str | None = None


class ReadinessMatrix(_Wire):
    environment: str
    live: list[LiveEntry] = Field(default_factory=list)
    cells: list[MatrixCell] = Field(default_factory=list)


class DeployQuestion(_Wire):
    """What can-i-deploy is asked (the body of ``POST /v1/can-i-deploy``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    service: str
    version: str
    environment: str
    ignore: list[str] = Field(default_factory=list)
    with_: list[str] = Field(default_factory=list, alias="with")  # "service@version"
    semver_compatibility: Literal["none", "patch", "minor"] = "none"


class SpecUploadReceipt(_Wire):
    """What ``POST /v1/spec-versions`` did: the stored spec version, and whether it was
    stored now (False: the same content was there already)."""

    spec: SpecVersion
    stored: bool
