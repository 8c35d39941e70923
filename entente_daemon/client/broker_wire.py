"""The broker's wire shapes (``/api/v1/``): the bodies that wrap the data model's records
(`entente_daemon.model`) and the answers. The broker's server and its client
(`broker_api`) both use these, and the broker's OpenAPI document is made from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from entente_daemon.model import (
    Deployment,
    Environment,
    Fixture,
    Interaction,
    Release,
    ServiceVersion,
    SpecVersion,
    Verification,
)

BROKER_PREFIX = "/api/v1"


class BrokerWire(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a newer broker may say more


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a request says only what the broker reads


class ErrorDetail(BrokerWire):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BrokerWire):
    error: ErrorDetail


class Health(BrokerWire):
    status: str
    version: str
    schema_: str | None = Field(default=None, alias="schema")


class InteractionBatch(Body):
    interactions: list[Interaction]


class UploadReceipt(BrokerWire):
    ids: list[str]
    created: int
    duplicates: int


class InteractionsPage(BrokerWire):
    interactions: list[Interaction]
    next: int | None = None


class FixtureBatch(Body):
    fixtures: list[Fixture]


class FixturesCreated(BrokerWire):
    created: list[str]


class FixtureList(BrokerWire):
    fixtures: list[Fixture]


class Decision(Body):
    """A fixture decision: who and when (the later ``at`` wins), and a note for a
    rejection."""

    by: str | None = None
    at: datetime
    note: str | None = None


class Notes(Body):
    notes: str | None = None


class VerificationBatch(Body):
    verifications: list[Verification]


class VerificationsCreated(BrokerWire):
    created: list[str]


class VerificationList(BrokerWire):
    verifications: list[Verification]


class ServiceVersionList(BrokerWire):
    versions: list[ServiceVersion]


class SpecList(BrokerWire):
    specs: list[SpecVersion]


class DeploymentList(BrokerWire):
    deployments: list[Deployment]


class Undeploy(Body):
    service: str
    environment: str
    by: str | None = None


class EnvironmentList(BrokerWire):
    environments: list[Environment]


class NewEnvironment(Body):
    name: str
    production: bool = False


class ReleaseList(BrokerWire):
    releases: list[Release]


class SupportEnded(Body):
    service: str
    version: str
    environment: str


class BrokerEvent(BrokerWire):
    """One entry of the broker's feed. ``kind``: ``interaction.uploaded``,
    ``spec.uploaded``, ``fixture.proposed``, ``fixture.decided``,
    ``verification.published``, ``deployment.recorded``, ``release.recorded``,
    ``environment.created``."""

    cursor: int
    kind: str
    payload: dict[str, Any]
    time: datetime


class EventPage(BrokerWire):
    events: list[BrokerEvent]
    next: int
