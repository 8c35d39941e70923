"""`BrokerLink` over the broker's HTTP API (``/api/v1/``, ``Authorization: Bearer <key>``).

Async, unlike the CLI's `client.broker_api.BrokerClient`: the daemon's pull is a long poll
that a stopping daemon must be able to cancel at once (a request in a worker thread could
not be). The request and answer shapes are the broker's own wire models
(`client.broker_wire`), so the two clients cannot drift apart.

Every failure becomes one of `link`'s errors, in a sentence naming the URL and the cause;
the key never appears in one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from entente_daemon.client.broker_wire import BROKER_PREFIX, NewEnvironment
from entente_daemon.model import (
    Deployment,
    Environment,
    Fixture,
    Interaction,
    Record,
    Release,
    ServiceVersion,
    SpecVersion,
    Verification,
)

from .link import (
    BrokerError,
    BrokerEvent,
    BrokerFailed,
    BrokerKeyRefused,
    BrokerRejected,
    BrokerUnreachable,
    EventsPage,
    UploadCount,
)

API = BROKER_PREFIX
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
M = TypeVar("M", bound=Record)
_REJECTED = {400, 409, 413, 422}
_PAGES = 1000  # at most this many pages of one list, so a misbehaving broker cannot loop us


class HttpBrokerLink:
    def __init__(
        self, url: str, key: str | None, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT
    ) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- the one request --------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        wait: float | None = None,
    ) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        extra: dict[str, Any] = {}
        if wait is not None:  # a long poll: the broker may hold the answer this long
            extra["timeout"] = httpx.Timeout(wait + 15.0, connect=5.0)
        try:
            response = await self._http.request(
                method, API + path, json=body, params=clean, **extra
            )
        except httpx.TimeoutException:
            raise BrokerUnreachable(f"the broker at {self.url} did not answer in time") from None
        except httpx.HTTPError as exc:
            cause = str(exc) or type(exc).__name__
            raise BrokerUnreachable(f"cannot reach the broker at {self.url}: {cause}") from None
        status = response.status_code
        if status in (401, 403):
            why = "refused the API key" if status == 401 else "says the API key lacks the scope"
            raise BrokerKeyRefused(
                f"the broker at {self.url} {why} (HTTP {status}: {_message(response)}); "
                "check ENTENTE_API_KEY or `entente sync login`"
            )
        if status in _REJECTED:
            raise BrokerRejected(
                f"the broker at {self.url} refused {method} {path} "
                f"(HTTP {status}: {_message(response)})"
            )
        if status >= 400:
            raise BrokerFailed(
                f"the broker at {self.url} failed on {method} {API}{path} "
                f"(HTTP {status}: {_message(response)})"
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise BrokerFailed(
                f"the broker at {self.url} answered {method} {path} with something that is "
                "not JSON: is that URL an Entente broker?"
            ) from None

    async def _post(self, path: str, record: BaseModel, **params: Any) -> Any:
        return await self._call("POST", path, body=record.model_dump(mode="json"), params=params)

    async def _list(self, path: str, key: str, model: type[M], **params: Any) -> list[M]:
        """Every page of a list (``{key: [...], "next": cursor}``, or a bare list)."""
        found: list[M] = []
        after: Any = None
        for _ in range(_PAGES):
            data = await self._call("GET", path, params={**params, "after": after})
            items, after = _items(data, key)
            found += [m for m in (_lenient(model, item) for item in items) if m is not None]
            if after is None:
                return found
        return found

    # -- push ---------------------------------------------------------------------------------

    async def upload_spec(self, spec: SpecVersion) -> None:
        # Another content under a version the broker has is refused (409): said, not forced.
        await self._post("/spec-versions", spec)

    async def register_version(self, version: ServiceVersion) -> None:
        await self._post("/service-versions", version)

    async def create_environment(self, environment: Environment) -> None:
        body = NewEnvironment(name=environment.name, production=environment.production)
        await self._post("/environments", body)

    async def upload_interactions(self, interactions: Sequence[Interaction]) -> UploadCount:
        body = {"interactions": [i.model_dump(mode="json") for i in interactions]}
        data = await self._call("POST", "/interactions", body=body)
        data = data if isinstance(data, dict) else {}
        return UploadCount(int(data.get("created", 0)), int(data.get("duplicates", 0)))

    async def propose_fixture(self, fixture: Fixture) -> None:
        body = {"fixtures": [fixture.model_dump(mode="json")]}
        await self._call("POST", "/fixtures", body=body)

    async def decide_fixture(
        self, fixture_id: str, status: str, by: str | None, at: datetime, note: str | None
    ) -> None:
        verb = "approve" if status == "approved" else "reject"
        body: dict[str, Any] = {"by": by, "at": at.isoformat()}
        if verb == "reject":
            body["note"] = note
        await self._call("POST", f"/fixtures/{fixture_id}/{verb}", body=body)

    async def publish_verification(self, verification: Verification) -> None:
        body = {"verifications": [verification.model_dump(mode="json")]}
        await self._call("POST", "/verifications", body=body)

    async def record_deployment(self, deployment: Deployment) -> None:
        await self._post("/deployments", deployment)

    async def record_release(self, release: Release) -> None:
        await self._post("/releases", release)
        if release.support_ended_at is not None:
            body = {
                "service": release.service,
                "version": release.version,
                "environment": release.environment,
            }
            await self._call("POST", "/releases/support-ended", body=body)

    # -- pull ---------------------------------------------------------------------------------

    async def events(self, after: int, wait: float, limit: int) -> EventsPage:
        data = await self._call(
            "GET",
            "/events",
            params={"after": after, "wait": wait, "limit": limit},
            wait=wait,
        )
        if not isinstance(data, dict):
            raise BrokerFailed(f"the broker at {self.url} sent an event page that is not one")
        events = [
            BrokerEvent(int(e["cursor"]), str(e["kind"]), dict(e.get("payload") or {}))
            for e in data.get("events", [])
            if isinstance(e, dict) and "cursor" in e and "kind" in e
        ]
        last = events[-1].cursor if events else after
        return EventsPage(events, int(data.get("next") or last))

    async def interactions(self, provider: str, consumer: str | None) -> list[Interaction]:
        return await self._list(
            "/interactions", "interactions", Interaction, provider=provider, consumer=consumer
        )

    async def spec_versions(self, service: str) -> list[SpecVersion]:
        return await self._list("/spec-versions", "specs", SpecVersion, service=service)

    async def fixtures(self, provider: str) -> list[Fixture]:
        return await self._list("/fixtures", "fixtures", Fixture, provider=provider)

    async def verifications(self, provider: str | None, consumer: str | None) -> list[Verification]:
        return await self._list(
            "/verifications", "verifications", Verification, provider=provider, consumer=consumer
        )

    async def deployments(self, service: str | None) -> list[Deployment]:
        return await self._list("/deployments", "deployments", Deployment, service=service)

    async def environments(self) -> list[Environment]:
        return await self._list("/environments", "environments", Environment)

    async def releases(self, service: str | None) -> list[Release]:
        return await self._list("/releases", "releases", Release, service=service)


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        field = f" ({error['field']})" if error.get("field") else ""
        return f"{error.get('message', error.get('code', ''))}{field}"
    return str(error or data)[:200]


def _items(data: Any, key: str) -> tuple[list[Any], Any]:
    if isinstance(data, list):
        return data, None
    if not isinstance(data, dict):
        return [], None
    items = data.get(key)
    if items is None:  # one list under another name
        items = next((v for v in data.values() if isinstance(v, list)), [])
    return list(items), data.get("next")


def _lenient(model: type[M], item: Any) -> M | None:
    """The record, its fields this version does not know left out; None when it does not
    fit at all (a broker of another version)."""
    if not isinstance(item, dict):
        return None
    known = {k: v for k, v in item.items() if k in model.model_fields}
    if model is Fixture:  # a decision's who and when, whatever it decided
        for ours, theirs in (("approved_by", "decided_by"), ("approved_at", "decided_at")):
            if known.get(ours) is None and item.get(theirs) is not None:
                known[ours] = item[theirs]
    try:
        return model.model_validate(known)
    except ValidationError:
        return None


__all__ = ["BrokerError", "HttpBrokerLink"]
