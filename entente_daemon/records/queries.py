"""Read queries over the store, shared by the daemon's API and the store side of the records
port (`records.store`). The filter they apply is the client's (`client.filters`), shared
with the TUI and the daemon's index."""

from __future__ import annotations

from datetime import timedelta

from entente_daemon.client.filters import InteractionFilter
from entente_daemon.model import Interaction, utc_now
from entente_daemon.store import Store
from entente_daemon.store.bounds import DEFAULT_EXPLORATORY_RETENTION_DAYS
from entente_daemon.store.rows import FilterRow

from .pruning import PrunePlan, prune_plan


def page_interactions(
    store: Store, where: InteractionFilter, limit: int, offset: int | None
) -> tuple[list[Interaction], int, int]:
    """A page of matching interactions in recording order, the total, and the page's
    offset. Without ``offset``: the newest ``limit`` (the page that ends with the newest).

    Filtered through the store's rows (`store.rows`), then only the page is read; a store
    written before rows has them made first (reading every interaction, once per writer).
    """
    if where.empty:
        total = store.interactions.count()
        start = max(total - limit, 0) if offset is None else offset
        return store.interactions.list(limit=limit, offset=start), total, start
    matching = [
        row_id
        for row_id, row in store.interactions.rows()
        if where.matches(FilterRow.of_stored(row_id, row))
    ]
    start = max(len(matching) - limit, 0) if offset is None else offset
    found = (store.interactions.get(row_id) for row_id in matching[start : start + limit])
    return [i for i in found if i is not None], len(matching), start


def plan_prune(store: Store, retention_days: float | None) -> PrunePlan:
    """What `entente store prune` would remove from ``store`` now (`records.pruning`);
    ``retention_days`` None: the default age for exploratory traffic."""
    days = DEFAULT_EXPLORATORY_RETENTION_DAYS if retention_days is None else retention_days
    return prune_plan(store.interactions.list(), now=utc_now(), retention=timedelta(days=days))
