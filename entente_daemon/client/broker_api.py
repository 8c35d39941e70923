"""The broker's typed HTTP client (sync, httpx): one method per route of ``/api/v1/``.

Every failure is a `BrokerError` whose message names the broker's URL and the cause: the
broker cannot be reached (`BrokerUnreachable`), the key is wrong or revoked
(`BrokerAuthError`, 401), lacks the scope (`BrokerForbidden`, 403), the broker failed
(`BrokerServerError`, 5xx), or refused the request (`BrokerRequestError`, with the field).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from entente_daemon import __version__
from entente_daemon.errors import EntenteError
from entente_daemon.model import (
    Deployment,
    Environment,
    Fixture,
    FixtureStatus,
    Interaction,
    Release,
    ServiceVersion,
    SpecVersion,
    Verification,
    utc_now,
)

from .broker_wire import (
    BROKER_PREFIX,
    DeploymentList,
    EnvironmentList,
    EventPage,
    FixtureList,
    FixturesCreated,
    Health,
    InteractionsPage,
    ReleaseList,
    ServiceVersionList,
    SpecList,
    UploadReceipt,
    VerificationList,
    VerificationsCreated,
)
from .deploy_wire import DeployDecision, DeployQuestion, ReadinessMatrix, SpecUploadReceipt

URL_ENV = "ENTENTE_SERVICE_URL"
KEY_ENV = "ENTENTE_API_KEY"
#: Connect fast, read for a while (a big batch, can-i-deploy over many interactions).
TIMEOUT = httpx.Timeout(30.0, connect=5.0)

M = TypeVar("M", bound=BaseModel)


class BrokerError(EntenteError):
    """Talking to the broker failed; the message says where and why."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BrokerUnreachable(BrokerError):
    """No answer: refused, timed out, a name that does not resolve, TLS."""


class BrokerAuthError(BrokerError):
    """401: no key, or the key is wrong or revoked."""


class BrokerForbidden(BrokerError):
    """403: the key lacks the scope."""


class BrokerServerError(BrokerError):
    """5xx: the broker failed (or timed out on its side)."""


class BrokerRequestError(BrokerError):
    """4xx: the broker refused what was sent (``code``, ``field`` say what)."""

    def __init__(self, message: str, *, status: int, code: str, field: str | None) -> None:
        super().__init__(message, status=status)
        self.code = code
        self.field = field


def _params(**given: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            continue
        found[name] = ("true" if value else "false") if isinstance(value, bool) else value
    return found


class BrokerClient:
    """The broker at ``url`` with the API key ``key``. ``transport``: for tests that need
    another one (an ASGI app, a mock)."""

    def __init__(
        self,
        url: str,
        key: str | None,
        *,
        timeout: httpx.Timeout | float = TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        headers = {"user-agent": f"entente/{__version__}"}
        if key:
            headers["authorization"] = f"Bearer {key}"
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, transport=transport
        )

    @classmethod
    def from_env(cls) -> BrokerClient | None:
        """The broker ``ENTENTE_SERVICE_URL`` names with ``ENTENTE_API_KEY``; None unset."""
        url = os.environ.get(URL_ENV)
        if not url:
            return None
        return cls(url, os.environ.get(KEY_ENV))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BrokerClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the one way a request goes ------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        timeout: float | None = None,
    ) -> Any:
        where = f"the Entente broker at {self.url}"
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = httpx.Timeout(timeout, connect=5.0)
        try:
            response = self._http.request(
                method, BROKER_PREFIX + path, params=params, json=body, **extra
            )
        except httpx.ConnectError as error:
            raise BrokerUnreachable(f"cannot reach {where}: {_cause(error)}") from None
        except httpx.TimeoutException:
            raise BrokerUnreachable(f"{where} did not answer in time") from None
        except httpx.HTTPError as error:
            raise BrokerUnreachable(f"cannot talk to {where}: {_cause(error)}") from None
        if response.status_code < 400:
            return response.json()
        detail = _error_of(response)
        message = detail.get("message") or response.reason_phrase
        status = response.status_code
        if status == 401:
            raise BrokerAuthError(
                f"{where} refused the API key (HTTP 401): {message}; check {KEY_ENV}",
                status=status,
            )
        if status == 403:
            raise BrokerForbidden(f"{where} refused (HTTP 403): {message}", status=status)
        if status >= 500:
            raise BrokerServerError(f"{where} failed (HTTP {status}): {message}", status=status)
        raise BrokerRequestError(
            f"{where} refused the request (HTTP {status}): {message}",
            status=status,
            code=str(detail.get("code") or "error"),
            field=detail.get("field"),
        )

    def _get(self, path: str, model: type[M], **params: Any) -> M:
        return model.model_validate(self._send("GET", path, params=_params(**params)))

    def _post(self, path: str, model: type[M], body: Any, **params: Any) -> M:
        data = self._send("POST", path, params=_params(**params), body=body)
        return model.model_validate(data)

    # -- the broker ------------------------------------------------------------------------

    def health(self) -> Health:
        return self._get("/health", Health)

    def openapi(self) -> dict[str, Any]:
        found: dict[str, Any] = self._send("GET", "/openapi.json")
        return found

    # -- interactions ----------------------------------------------------------------------

    def upload_interactions(self, interactions: Sequence[Interaction]) -> UploadReceipt:
        body = {"interactions": [i.to_json() for i in interactions]}
        return self._post("/interactions", UploadReceipt, body)

    def interactions(
        self,
        *,
        provider: str | None = None,
        consumer: str | None = None,
        consumer_version: str | None = None,
        provider_version: str | None = None,
        environment: str | None = None,
        operation_id: str | None = None,
        contract: bool | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> InteractionsPage:
        return self._get(
            "/interactions",
            InteractionsPage,
            provider=provider,
            consumer=consumer,
            consumer_version=consumer_version,
            provider_version=provider_version,
            environment=environment,
            operation_id=operation_id,
            contract=contract,
            after=after,
            limit=limit,
        )

    def all_interactions(self, *, limit: int = 1000, **query: Any) -> Iterator[Interaction]:
        """Every matching interaction, page after page."""
        after = 0
        while True:
            page = self.interactions(after=after, limit=limit, **query)
            yield from page.interactions
            if page.next is None:
                return
            after = page.next

    # -- fixtures --------------------------------------------------------------------------

    def propose_fixtures(self, fixtures: Sequence[Fixture]) -> list[str]:
        body = {"fixtures": [f.to_json() for f in fixtures]}
        return self._post("/fixtures", FixturesCreated, body).created

    def fixtures(
        self, provider: str | None = None, status: FixtureStatus | None = None
    ) -> list[Fixture]:
        status_text = None if status is None else str(status)
        return self._get("/fixtures", FixtureList, provider=provider, status=status_text).fixtures

    def approve(self, fixture_id: str, by: str | None, at: datetime | None = None) -> Fixture:
        body = {"by": by, "at": (at or utc_now()).isoformat()}
        return self._post(f"/fixtures/{fixture_id}/approve", Fixture, body)

    def reject(
        self,
        fixture_id: str,
        by: str | None,
        note: str | None = None,
        at: datetime | None = None,
    ) -> Fixture:
        body = {"by": by, "at": (at or utc_now()).isoformat(), "note": note}
        return self._post(f"/fixtures/{fixture_id}/reject", Fixture, body)

    def set_notes(self, fixture_id: str, notes: str | None) -> Fixture:
        data = self._send("PUT", f"/fixtures/{fixture_id}/notes", body={"notes": notes})
        return Fixture.model_validate(data)

    # -- verifications ---------------------------------------------------------------------

    def publish_verifications(self, verifications: Sequence[Verification]) -> list[str]:
        body = {"verifications": [v.to_json() for v in verifications]}
        return self._post("/verifications", VerificationsCreated, body).created

    def verifications(
        self,
        provider: str | None = None,
        consumer: str | None = None,
        provider_version: str | None = None,
    ) -> list[Verification]:
        return self._get(
            "/verifications",
            VerificationList,
            provider=provider,
            consumer=consumer,
            provider_version=provider_version,
        ).verifications

    # -- what runs where -------------------------------------------------------------------

    def register_version(self, version: ServiceVersion) -> ServiceVersion:
        body = version.model_dump(mode="json", exclude_unset=True)
        return self._post("/service-versions", ServiceVersion, body)

    def service_versions(self, service: str | None = None) -> list[ServiceVersion]:
        return self._get("/service-versions", ServiceVersionList, service=service).versions

    def upload_spec(self, spec: SpecVersion, *, force: bool = False) -> SpecUploadReceipt:
        return self._post("/spec-versions", SpecUploadReceipt, spec.to_json(), force=force)

    def spec_versions(self, service: str, version: str | None = None) -> list[SpecVersion]:
        return self._get("/spec-versions", SpecList, service=service, version=version).specs

    def latest_spec(self, service: str) -> SpecVersion | None:
        try:
            return self._get("/spec-versions/latest", SpecVersion, service=service)
        except BrokerRequestError as error:
            if error.status == 404:
                return None
            raise

    def record_deployment(self, deployment: Deployment) -> Deployment:
        return self._post("/deployments", Deployment, deployment.to_json())

    def undeploy(self, service: str, environment: str, *, by: str | None = None) -> Deployment:
        body = {"service": service, "environment": environment, "by": by}
        return self._post("/deployments/undeploy", Deployment, body)

    def deployments(
        self,
        service: str | None = None,
        environment: str | None = None,
        active: bool | None = None,
    ) -> list[Deployment]:
        return self._get(
            "/deployments", DeploymentList, service=service, environment=environment, active=active
        ).deployments

    def environments(self) -> list[Environment]:
        return self._get("/environments", EnvironmentList).environments

    def create_environment(self, name: str, *, production: bool = False) -> Environment:
        body = {"name": name, "production": production}
        return self._post("/environments", Environment, body)

    def record_release(self, release: Release) -> Release:
        return self._post("/releases", Release, release.to_json())

    def end_support(self, service: str, version: str, environment: str) -> Release:
        body = {"service": service, "version": version, "environment": environment}
        return self._post("/releases/support-ended", Release, body)

    def releases(self, service: str | None = None, environment: str | None = None) -> list[Release]:
        return self._get(
            "/releases", ReleaseList, service=service, environment=environment
        ).releases

    def can_i_deploy(self, question: DeployQuestion) -> DeployDecision:
        body = question.model_dump(mode="json", by_alias=True)
        return self._post("/can-i-deploy", DeployDecision, body)

    def matrix(self, environment: str, compatibility: str = "none") -> ReadinessMatrix:
        return self._get(
            "/matrix", ReadinessMatrix, environment=environment, compatibility=compatibility
        )

    # -- the feed --------------------------------------------------------------------------

    def events(self, after: int = 0, *, wait: float = 0, limit: int = 100) -> EventPage:
        """The events after ``after``; with none yet, the broker waits up to ``wait`` s."""
        data = self._send(
            "GET",
            "/events",
            params=_params(after=after, wait=wait, limit=limit),
            timeout=wait + 30.0,
        )
        return EventPage.model_validate(data)


def _error_of(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {"message": response.text[:200] or response.reason_phrase}
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else {"message": str(data)[:200]}


def _cause(error: httpx.HTTPError) -> str:
    text = str(error) or type(error).__name__
    if "refused" in text.lower():
        return "connection refused (is `entente broker serve` running there?)"
    return text
