"""One sync without a daemon (``entente sync --once``, for CI): the local store's outbox
pushed, then the broker's feed pulled until it has nothing more.

Below the CLI so that it is one function to call (and to test): the CLI only prints."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from entente_daemon.client.wire import BrokerStatus
from entente_daemon.config import API_KEY_ENV, SERVICE_URL_ENV, ProjectConfig
from entente_daemon.errors import ConfigError
from entente_daemon.store import Store

from .engine import Interest, LocalAccess, PullReport, PushReport, SyncEngine
from .http_link import HttpBrokerLink
from .link import BrokerError
from .settings import resolve_target

NOT_CONFIGURED = (
    f"no broker is configured: set {SERVICE_URL_ENV} (and {API_KEY_ENV}), run "
    "`entente sync login --url URL`, or give the project a [broker] url"
)


class SyncOnceFailed(BrokerError):
    """The broker could not be reached, refused the key, or failed: the outbox is kept."""


@dataclass(frozen=True)
class OnceReport:
    pushed: PushReport
    pulled: PullReport
    state: BrokerStatus


def interest_of(project: ProjectConfig | None) -> Interest:
    """What a project pulls (everything, without one)."""
    if project is None:
        return Interest(everything=True)
    consumes = frozenset(p.name for p in project.providers)
    verifies = frozenset({project.provided_name}) if project.provided_spec else frozenset()
    return Interest(consumes, verifies)


def state_of(store: Store, url: str | None) -> BrokerStatus:
    """The outbox's state as the daemon's ``GET /v1/sync`` would say it (no daemon runs)."""
    state = store.outbox.state()
    counts = store.outbox.counts()
    return BrokerStatus(
        state="idle (no daemon)" if state.enabled else "not configured",
        url=url,
        queued=sum(counts.values()),
        queued_by_kind={k: n for k, n in counts.items() if n},
        dropped=state.dropped,
        pushed=state.pushed,
        pulled=state.pulled,
        cursor=state.cursor,
        last_push=state.last_push,
        last_pull=state.last_pull,
    )


async def sync_once(
    home: Path, project: ProjectConfig | None, env: Mapping[str, str] | None = None
) -> OnceReport:
    """Push the outbox of ``home``'s store, then pull until the feed is done. ConfigError
    when no broker is configured; `SyncOnceFailed` (the outbox kept) when the sync fails."""
    target = resolve_target(home, os.environ if env is None else env, [project] if project else [])
    if target is None:
        raise ConfigError(NOT_CONFIGURED)
    link = HttpBrokerLink(target.url, target.key)
    try:
        with Store.open(home / "store") as store:
            store.outbox.enable(target.url)
            engine = SyncEngine(LocalAccess(store), link, interest=lambda: interest_of(project))
            try:
                pushed = await engine.push()
                pulled = await engine.pull_all()
            except BrokerError as exc:
                kept = store.outbox.count()
                raise SyncOnceFailed(f"{exc}; the outbox is kept ({kept} queued)") from None
            finally:
                store.flush()
            return OnceReport(pushed, pulled, state_of(store, target.url))
    finally:
        await link.aclose()
