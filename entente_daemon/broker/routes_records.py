"""The broker's routes for recorded things: interactions, fixtures, verifications, and the
event feed that tells of them."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from entente_daemon.client.broker_wire import (
    Decision,
    EventPage,
    FixtureBatch,
    FixtureList,
    FixturesCreated,
    InteractionBatch,
    InteractionsPage,
    Notes,
    UploadReceipt,
    VerificationBatch,
    VerificationList,
    VerificationsCreated,
)
from entente_daemon.model import Fixture, FixtureStatus

from . import events_db, fixtures_db, interactions_db, verifications_db
from .auth import Reader, Writer
from .context import Ctx
from .errors import TooLarge
from .interactions_db import InteractionQuery

router = APIRouter()
#: How often a long-poll looks at the feed again.
POLL_EVERY = 0.2


def _batch_limit(ctx: Ctx, size: int, what: str) -> None:
    if size > ctx.settings.max_batch:
        raise TooLarge(
            f"{size} {what} in one request; the broker takes at most "
            f"{ctx.settings.max_batch}: send them in smaller batches",
            field=what,
        )


@router.post("/interactions", response_model=UploadReceipt, tags=["interactions"])
def upload_interactions(ctx: Ctx, _key: Writer, batch: InteractionBatch) -> UploadReceipt:
    """Store a batch of interactions; one already there (same content hash and run, or the
    same id) is not stored again, so a batch may be sent twice."""
    _batch_limit(ctx, len(batch.interactions), "interactions")
    done = interactions_db.upload(ctx.engine, batch.interactions)
    return UploadReceipt(ids=done.ids, created=done.created, duplicates=done.duplicates)


@router.get("/interactions", response_model=InteractionsPage, tags=["interactions"])
def query_interactions(
    ctx: Ctx,
    _key: Reader,
    provider: str | None = None,
    consumer: str | None = None,
    consumer_version: str | None = None,
    provider_version: str | None = None,
    environment: str | None = None,
    operation_id: str | None = None,
    contract: bool | None = None,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> InteractionsPage:
    """A page of interactions in the order received, after the cursor ``after``; ``next``
    is the cursor of the next page (null: none)."""
    asked = InteractionQuery(
        provider=provider,
        consumer=consumer,
        consumer_version=consumer_version,
        provider_version=provider_version,
        environment=environment,
        operation_id=operation_id,
        contract=contract,
        after=after,
        limit=min(limit, ctx.settings.max_page),
    )
    found, next_cursor = interactions_db.query(ctx.engine, asked)
    return InteractionsPage(interactions=found, next=next_cursor)


@router.post("/fixtures", response_model=FixturesCreated, tags=["fixtures"])
def propose_fixtures(ctx: Ctx, _key: Writer, batch: FixtureBatch) -> FixturesCreated:
    """Store proposed fixtures not stored yet (by id)."""
    _batch_limit(ctx, len(batch.fixtures), "fixtures")
    return FixturesCreated(created=fixtures_db.propose(ctx.engine, batch.fixtures))


@router.get("/fixtures", response_model=FixtureList, tags=["fixtures"])
def list_fixtures(
    ctx: Ctx, _key: Reader, provider: str | None = None, status: FixtureStatus | None = None
) -> FixtureList:
    return FixtureList(fixtures=fixtures_db.listed(ctx.engine, provider, status))


@router.post("/fixtures/{fixture_id}/approve", response_model=Fixture, tags=["fixtures"])
def approve_fixture(ctx: Ctx, _key: Writer, fixture_id: str, decision: Decision) -> Fixture:
    """Approve, unless a later decision (by ``at``) is in force: that one is answered."""
    return fixtures_db.decide(
        ctx.engine, fixture_id, FixtureStatus.APPROVED, decision.by, decision.at
    )


@router.post("/fixtures/{fixture_id}/reject", response_model=Fixture, tags=["fixtures"])
def reject_fixture(ctx: Ctx, _key: Writer, fixture_id: str, decision: Decision) -> Fixture:
    """Reject, unless a later decision (by ``at``) is in force: that one is answered."""
    return fixtures_db.decide(
        ctx.engine, fixture_id, FixtureStatus.REJECTED, decision.by, decision.at, decision.note
    )


@router.put("/fixtures/{fixture_id}/notes", response_model=Fixture, tags=["fixtures"])
def set_notes(ctx: Ctx, _key: Writer, fixture_id: str, notes: Notes) -> Fixture:
    return fixtures_db.set_notes(ctx.engine, fixture_id, notes.notes)


@router.post("/verifications", response_model=VerificationsCreated, tags=["verifications"])
def publish_verifications(ctx: Ctx, _key: Writer, batch: VerificationBatch) -> VerificationsCreated:
    """Store verification results not stored yet (by id)."""
    _batch_limit(ctx, len(batch.verifications), "verifications")
    return VerificationsCreated(created=verifications_db.publish(ctx.engine, batch.verifications))


@router.get("/verifications", response_model=VerificationList, tags=["verifications"])
def list_verifications(
    ctx: Ctx,
    _key: Reader,
    provider: str | None = None,
    consumer: str | None = None,
    provider_version: str | None = None,
) -> VerificationList:
    found = verifications_db.listed(ctx.engine, provider, consumer, provider_version)
    return VerificationList(verifications=found)


@router.get("/events", response_model=EventPage, tags=["events"])
async def events(
    ctx: Ctx,
    _key: Reader,
    after: Annotated[int, Query(ge=0)] = 0,
    wait: Annotated[float, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    """The events after the cursor ``after``; with none yet, wait up to ``wait`` seconds
    for one (a long-poll). ``next``: the cursor to ask after next time."""
    deadline = asyncio.get_running_loop().time() + min(wait, ctx.settings.max_wait)
    while True:
        found = await run_in_threadpool(events_db.read, ctx.engine, after, limit)
        if found or asyncio.get_running_loop().time() >= deadline:
            break
        await asyncio.sleep(POLL_EVERY)
    next_cursor = found[-1]["cursor"] if found else after
    return EventPage.model_validate({"events": found, "next": next_cursor})
