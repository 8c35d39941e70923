"""Control API endpoints over stored records: interactions, fixtures, verifications,
deployments."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable
from typing import Any

from pydantic import ValidationError

from entente_daemon.client.filters import InteractionFilter
from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request
from entente_daemon.daemon.api.validation import describe_validation
from entente_daemon.daemon.services.credentials import without_credentials
from entente_daemon.errors import StoreError
from entente_daemon.model import Fixture, FixtureStatus, Interaction

DEFAULT_PAGE = 50
MAX_PAGE = 1000
MAX_BATCH = 10_000


def _parse_batch(data: Any) -> tuple[list[Interaction], list[Fixture]]:
    if isinstance(data, list):
        raw_items: Any = data
        raw_fixtures: Any = []
    elif isinstance(data, dict):
        unknown = set(data) - {"interactions", "fixtures"}
        if unknown:
            raise HttpError(400, f"unknown field(s) in the body: {', '.join(sorted(unknown))}")
        raw_items = data.get("interactions", [])
        raw_fixtures = data.get("fixtures", [])
    else:
        raise HttpError(400, 'the body must be {"interactions": [...]} or a JSON array')
    if not isinstance(raw_items, list) or not isinstance(raw_fixtures, list):
        raise HttpError(400, '"interactions" and "fixtures" must be JSON arrays')
    if len(raw_items) + len(raw_fixtures) > MAX_BATCH:
        raise HttpError(413, f"at most {MAX_BATCH} records per request; send smaller batches")
    interactions: list[Interaction] = []
    for index, item in enumerate(raw_items):
        try:
            interactions.append(without_credentials(Interaction.model_validate(item)))
        except ValidationError as exc:
            raise HttpError(400, describe_validation(f"interactions[{index}]", exc)) from None
    fixtures: list[Fixture] = []
    for index, item in enumerate(raw_fixtures):
        try:
            fixtures.append(Fixture.model_validate(item))
        except ValidationError as exc:
            raise HttpError(400, describe_validation(f"fixtures[{index}]", exc)) from None
    return interactions, fixtures


def store_unavailable(exc: StoreError) -> HttpError:
    return HttpError(503, f"the store cannot take this now: {exc}")


async def list_interactions(ctx: ApiContext, request: Request) -> JsonResponse:
    try:
        where = InteractionFilter(
            provider=request.arg("provider"),
            consumer=request.arg("consumer"),
            test_id=request.arg("test"),
            operation_id=request.arg("operation"),
            run_id=request.arg("run"),
            status=request.arg("status"),
            kind=request.arg("kind"),
            text=request.arg("q"),
        )
    except ValueError as exc:
        raise HttpError(400, f"query parameters 'status'/'kind': {exc}") from None
    limit = request.int_arg("limit", default=DEFAULT_PAGE, maximum=MAX_PAGE) or 0
    offset = request.int_arg("offset")

    # Through the index even unfiltered: it pages without reading every interaction.
    index = await ctx.recorder.ensure_index()
    ids, total, start = index.page(where, limit, offset)
    found = await ctx.recorder.read(lambda store: [store.interactions.get(i) for i in ids])
    items = [i for i in found if i is not None]
    return JsonResponse(
        {
            "items": [i.to_json() for i in items],
            "total": total,
            "offset": start,
            "limit": limit,
        }
    )


async def get_interaction(ctx: ApiContext, request: Request) -> JsonResponse:
    interaction_id = request.path_params["id"]
    found = await ctx.recorder.read(lambda store: store.interactions.get(interaction_id))
    if found is None:
        raise HttpError(404, f"no interaction {interaction_id!r}")
    return JsonResponse(found.to_json())


async def post_interactions(ctx: ApiContext, request: Request) -> JsonResponse:
    """Store a batch of interactions (and fixtures); answers once they are durable, 503
    (nothing stored) while the store cannot write. Each interaction stands alone: those that
    cannot be stored are listed in ``failed`` (``index``, ``error``), the others are."""
    data = request.json()
    interactions, fixtures = await asyncio.to_thread(_parse_batch, data)
    try:
        recorded, created = await ctx.recorder.record_interactions(interactions, fixtures)
    except StoreError as exc:
        raise store_unavailable(exc) from None
    new = sum(1 for r in recorded if r.new)
    failed = [{"index": n, "error": r.error} for n, r in enumerate(recorded) if r.error]
    sampled = sum(1 for r in recorded if r.sampled)
    return JsonResponse(
        {
            "ids": [r.id for r in recorded],
            "new": new,
            "merged": len(recorded) - new - len(failed) - sampled,
            "sampled": sampled,
            "fixtures": len(created),
            "failed": failed,
        }
    )


def _ids(request: Request) -> list[str]:
    ids = request.json_object().get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise HttpError(400, 'the body must be {"ids": ["<interaction id>", ...]}')
    if len(ids) > MAX_BATCH:
        raise HttpError(413, f"at most {MAX_BATCH} ids per request; send smaller batches")
    return ids


async def delete_interactions(ctx: ApiContext, request: Request) -> JsonResponse:
    """Delete interactions by id (emits ``interactions.deleted``); unknown ids are left out
    of the answer's ``deleted``."""
    ids = _ids(request)
    try:
        deleted = await ctx.recorder.delete_interactions(ids)
    except StoreError as exc:
        raise store_unavailable(exc) from None
    return JsonResponse({"deleted": deleted})


async def promote_interactions(ctx: ApiContext, request: Request) -> JsonResponse:
    """Make interactions part of their consumer's contract (emits
    ``interactions.promoted``)."""
    ids = _ids(request)
    try:
        promoted = await ctx.recorder.promote_interactions(ids)
    except StoreError as exc:
        raise store_unavailable(exc) from None
    return JsonResponse({"promoted": [i.to_json() for i in promoted]})


async def list_fixtures(ctx: ApiContext, request: Request) -> JsonResponse:
    provider = request.arg("provider")
    raw_status = request.arg("status")
    try:
        status = None if raw_status is None else FixtureStatus(raw_status)
    except ValueError:
        allowed = ", ".join(s.value for s in FixtureStatus)
        raise HttpError(
            400, f"query parameter 'status': {raw_status!r} is not one of {allowed}"
        ) from None
    fixtures = await ctx.recorder.read(
        lambda store: store.fixtures.list(provider=provider, status=status)
    )
    return JsonResponse({"fixtures": [f.to_json() for f in fixtures]})


async def approve_fixture(ctx: ApiContext, request: Request) -> JsonResponse:
    return await _set_status(ctx, request, FixtureStatus.APPROVED)


async def reject_fixture(ctx: ApiContext, request: Request) -> JsonResponse:
    return await _set_status(ctx, request, FixtureStatus.REJECTED)


async def _set_status(ctx: ApiContext, request: Request, status: FixtureStatus) -> JsonResponse:
    fixture_id = request.path_params["id"]
    body = request.json_object()
    by = body.get("by")
    note = body.get("note")
    if by is not None and not isinstance(by, str):
        raise HttpError(400, '"by" must be a string')
    if note is not None and not isinstance(note, str):
        raise HttpError(400, '"note" must be a string')
    update = ctx.recorder.set_fixture_status(fixture_id, status, by=by or _user(), note=note)
    return await _updated_fixture(fixture_id, update)


async def set_notes(ctx: ApiContext, request: Request) -> JsonResponse:
    fixture_id = request.path_params["id"]
    notes = request.json_object().get("notes")
    if notes is not None and not isinstance(notes, str):
        raise HttpError(400, '"notes" must be a string or null')
    return await _updated_fixture(fixture_id, ctx.recorder.set_fixture_notes(fixture_id, notes))


async def _updated_fixture(fixture_id: str, update: Awaitable[Fixture | None]) -> JsonResponse:
    """The fixture as ``update`` left it; 404 when there is none, 503 when the store fails."""
    try:
        updated = await update
    except StoreError as exc:
        raise store_unavailable(exc) from None
    if updated is None:
        raise HttpError(404, f"no fixture {fixture_id!r}")
    return JsonResponse(updated.to_json())


async def list_verifications(ctx: ApiContext, request: Request) -> JsonResponse:
    provider = request.arg("provider")
    consumer = request.arg("consumer")
    limit = request.int_arg("limit", maximum=MAX_PAGE)
    found = await ctx.recorder.read(
        lambda store: store.verifications.list(provider=provider, consumer=consumer)
    )
    if limit is not None:
        found = found[-limit:] if limit else []
    return JsonResponse({"verifications": [v.to_json() for v in found]})


async def list_deployments(ctx: ApiContext, request: Request) -> JsonResponse:
    service = request.arg("service")
    environment = request.arg("environment")
    found = await ctx.recorder.read(
        lambda store: store.deployments.list(service=service, environment=environment)
    )
    return JsonResponse({"deployments": [d.to_json() for d in found]})


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
