"""Control API for flagged fixtures: ``POST /v1/fixtures/check`` rechecks a provider's approved
fixtures against a spec (what ``entente fixtures check`` calls while a daemon runs), and the
flagged fixtures that ``GET /v1/alerts`` lists beside the bus's alert events.

``POST /v1/fixtures/check`` takes ``{"provider": NAME, "spec": "/abs/openapi.yaml"}`` (a spec
file the daemon reads, ``$ref``'d files included, within the folders the project around it
allows: `entente_daemon.config.spec_ref_roots_near`) or ``{"provider": NAME, "version": V}``
(that version as published to the store; no ``version``: the newest). It answers with the
`FlagReport`: how many were checked, the fixtures flagged, which were announced or cleared.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from entente_daemon.config import spec_ref_roots_near
from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request, file_path
from entente_daemon.daemon.services.fixture_flags import recheck_fixtures
from entente_daemon.errors import StoreError
from entente_daemon.fixtures.flags import flag_alerts, spec_label
from entente_daemon.model import Event, FixtureStatus, SpecVersion
from entente_daemon.openapi import Spec, SpecError, load_spec, load_spec_text
from entente_daemon.store import Store


async def check_fixtures(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    provider, spec_path, version = body.get("provider"), body.get("spec"), body.get("version")
    if not isinstance(provider, str) or not provider:
        raise HttpError(400, '"provider" must name the provider whose fixtures to check')
    if spec_path is not None and version is not None:
        raise HttpError(400, 'give "spec" (a file) or "version" (a published one), not both')
    if spec_path is not None:
        spec, where, applies = await _spec_file(spec_path)
    else:
        if version is not None and not isinstance(version, str):
            raise HttpError(400, '"version" must be a string')
        spec, where, applies = await _published(ctx, provider, version)
    try:
        report = await recheck_fixtures(
            ctx.recorder,
            spec,
            provider,
            version=applies,
            checked_against=spec_label(where, applies),
        )
    except StoreError as exc:
        raise HttpError(503, f"the store cannot take this now: {exc}") from None
    return JsonResponse(report.to_json())


async def _spec_file(raw: object) -> tuple[Spec, str, str]:
    if not isinstance(raw, str) or not file_path(raw, "spec").is_absolute():
        raise HttpError(400, f'"spec" must be the absolute path of a spec file, not {raw!r}')
    path = Path(raw)

    def load() -> Spec:
        # The refs the project around the file allows, as its mocks and verifier read it.
        return load_spec(path, validate=False, ref_roots=spec_ref_roots_near(path))

    try:
        spec = await asyncio.to_thread(load)
    except SpecError as exc:
        raise HttpError(400, f"the spec does not load: {exc}") from None
    return spec, raw, spec.version


async def _published(ctx: ApiContext, provider: str, version: str | None) -> tuple[Spec, str, str]:
    def find(store: Store) -> SpecVersion | None:
        if version is None:
            return store.spec_versions.latest(provider)
        return store.spec_versions.get_version(provider, version)

    found = await ctx.recorder.read(find)
    if found is None:
        which = f"version {version} of {provider}" if version else f"a spec of {provider}"
        raise HttpError(
            404, f"no {which} is published to the local store; send a spec file instead"
        )
    name = f"{found.service}@{found.version}"
    try:
        spec = await asyncio.to_thread(
            load_spec_text, json.dumps(found.spec), f"{name}.json", validate=False
        )
    except SpecError as exc:
        raise HttpError(400, f"the published spec {name} does not load: {exc}") from None
    return spec, f"{name} (published)", found.version


async def current_alerts(ctx: ApiContext) -> list[Event]:
    """The bus's recent alert events and one alert per flagged approved fixture, by sequence
    number (a fixture's alert is the event that flagged it, for as long as it stays so)."""

    def flagged(store: Store) -> list[Event]:
        return flag_alerts(store.fixtures.list(status=FixtureStatus.APPROVED))

    by_seq = {event.seq: event for event in ctx.bus.alerts}
    unannounced: list[Event] = []
    for event in await ctx.recorder.read(flagged):
        if event.seq:
            by_seq.setdefault(event.seq, event)
        else:
            unannounced.append(event)
    return unannounced + sorted(by_seq.values(), key=lambda e: e.seq)
