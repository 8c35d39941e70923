"""What the sync asks of a broker (`BrokerLink`), and how a broker can fail.

The engine speaks only this protocol: `http_link.HttpBrokerLink` is the broker's HTTP API
(``/api/v1/``); tests may give another. The errors say what went wrong in one sentence that
names the broker's URL, so the CLI and the status can show them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from entente_daemon.errors import EntenteError
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


class BrokerError(EntenteError):
    """The broker could not take or give what was asked; the outbox is kept."""

    retry = True  # whether the same request may succeed later


class BrokerUnreachable(BrokerError):
    """No answer: connection refused, a timeout, a TLS failure."""


class BrokerKeyRefused(BrokerError):
    """401/403: the key is wrong, revoked, or lacks the scope. Retried (a new key may be
    configured), but said as such."""


class BrokerFailed(BrokerError):
    """The broker answered 5xx (or something that is not its API)."""


class BrokerRejected(BrokerError):
    """The broker refused this record for good (400, 409, 413, 422): it names why."""

    retry = False


@dataclass(frozen=True)
class BrokerEvent:
    cursor: int
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventsPage:
    events: list[BrokerEvent]
    next: int


@dataclass(frozen=True)
class UploadCount:
    created: int
    duplicates: int


class BrokerLink(Protocol):
    url: str

    async def aclose(self) -> None: ...

    # -- push ------------------------------------------------------------------------------
    async def upload_spec(self, spec: SpecVersion) -> None: ...
    async def register_version(self, version: ServiceVersion) -> None: ...
    async def create_environment(self, environment: Environment) -> None: ...
    async def upload_interactions(self, interactions: Sequence[Interaction]) -> UploadCount: ...
    async def propose_fixture(self, fixture: Fixture) -> None: ...
    async def decide_fixture(
        self, fixture_id: str, status: str, by: str | None, at: datetime, note: str | None
    ) -> None: ...
    async def publish_verification(self, verification: Verification) -> None: ...
    async def record_deployment(self, deployment: Deployment) -> None: ...
    async def record_release(self, release: Release) -> None: ...

    # -- pull ------------------------------------------------------------------------------
    async def events(self, after: int, wait: float, limit: int) -> EventsPage: ...
    async def interactions(self, provider: str, consumer: str | None) -> list[Interaction]: ...
    async def spec_versions(self, service: str) -> list[SpecVersion]: ...
    async def fixtures(self, provider: str) -> list[Fixture]: ...
    async def verifications(
        self, provider: str | None, consumer: str | None
    ) -> list[Verification]: ...
    async def deployments(self, service: str | None) -> list[Deployment]: ...
    async def environments(self) -> list[Environment]: ...
    async def releases(self, service: str | None) -> list[Release]: ...
