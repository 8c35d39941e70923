"""Control API endpoints over the store itself: what it holds (``GET /v1/store/stats``)
and removing what no longer belongs to a contract (``POST /v1/store/prune``). The daemon
is the store's one writer, so `entente store` goes through here while it runs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from entente_daemon.client.wire import PruneResult, StoreStats
from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request
from entente_daemon.daemon.api.validation import body_flag
from entente_daemon.records.queries import plan_prune
from entente_daemon.store.bounds import DEFAULT_EXPLORATORY_RETENTION_DAYS
from entente_daemon.store.stats import store_stats


async def stats(ctx: ApiContext, request: Request) -> JsonResponse:
    found = await ctx.recorder.read(store_stats)
    return JsonResponse(StoreStats.model_validate(asdict(found)).model_dump(mode="json"))


async def prune(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    dry_run, days = _prune_options(body)
    plan = await ctx.recorder.read(lambda store: plan_prune(store, days))
    deleted = [] if dry_run else await ctx.recorder.delete_interactions(plan.ids)
    result = PruneResult(
        dry_run=dry_run,
        retention_days=DEFAULT_EXPLORATORY_RETENTION_DAYS if days is None else days,
        older_runs=plan.older_runs,
        expired=plan.expired,
        deleted=len(deleted),
    )
    return JsonResponse(result.model_dump(mode="json"))


def _prune_options(body: dict[str, Any]) -> tuple[bool, float | None]:
    unknown = set(body) - {"dry_run", "retention_days"}
    if unknown:
        raise HttpError(400, f"unknown field(s) in the body: {', '.join(sorted(unknown))}")
    dry_run = body_flag(body, "dry_run", default=True)
    days = body.get("retention_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int | float) or days <= 0
    ):
        raise HttpError(400, '"retention_days" must be a number of days above 0')
    return dry_run, None if days is None else float(days)
