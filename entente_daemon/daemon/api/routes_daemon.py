"""Control API endpoints about the daemon itself: health, status, projects, mocks, alerts."""

from __future__ import annotations

from entente_daemon import __version__
from entente_daemon.client.wire import DaemonStatus, StoreStatus, event_to_wire
from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request, file_path
from entente_daemon.daemon.api.routes_fixture_flags import current_alerts
from entente_daemon.daemon.api.validation import body_flag
from entente_daemon.errors import ConfigError
from entente_daemon.store import Store

TABLES = (
    "services",
    "spec_versions",
    "interactions",
    "fixtures",
    "verifications",
    "deployments",
    "events",
)


async def health(ctx: ApiContext, request: Request) -> JsonResponse:
    return JsonResponse({"ok": True, "pid": ctx.pid, "version": __version__})


async def status(ctx: ApiContext, request: Request) -> JsonResponse:
    def counts(store: Store) -> tuple[dict[str, int], int]:
        records = {name: getattr(store, name).count() for name in TABLES}
        return records, store.pending

    records, pending = await ctx.recorder.read(counts)
    result = DaemonStatus(
        pid=ctx.pid,
        version=__version__,
        started_at=ctx.started_at,
        uptime_s=round(ctx.uptime, 3),
        socket=str(ctx.settings.paths.socket),
        tcp_port=ctx.tcp_port,
        store=StoreStatus(
            path=str(ctx.recorder.store.path),
            records=records,
            pending=pending,
            error=ctx.recorder.store_error,
            sampled=ctx.recorder.bounds.sampled,
        ),
        broker=await ctx.sync.status(),
        projects=ctx.projects.infos(),
        mocks=ctx.mocks.infos(),
        watching=ctx.watched_files(),
        subscribers=ctx.bus.subscriber_count,
        last_event_seq=ctx.bus.last_seq,
    )
    return JsonResponse(result.model_dump(mode="json"))


async def alerts(ctx: ApiContext, request: Request) -> JsonResponse:
    # The bus's alert events, and each approved fixture flagged as no longer fitting.
    return JsonResponse({"alerts": [event_to_wire(e) for e in await current_alerts(ctx)]})


async def list_mocks(ctx: ApiContext, request: Request) -> JsonResponse:
    return JsonResponse({"mocks": [m.model_dump(mode="json") for m in ctx.mocks.infos()]})


async def list_projects(ctx: ApiContext, request: Request) -> JsonResponse:
    return JsonResponse({"projects": [p.model_dump(mode="json") for p in ctx.projects.infos()]})


async def attach_project(ctx: ApiContext, request: Request) -> JsonResponse:
    body = request.json_object()
    raw = body.get("path")
    if not isinstance(raw, str) or not raw:
        raise HttpError(400, 'the body must be {"path": "<absolute path of entente.toml>"}')
    path = file_path(raw, "path")
    if not path.is_absolute():
        raise HttpError(400, f"{raw!r}: the project's path must be absolute")
    auto = body_flag(body, "auto")
    try:
        info = await ctx.projects.attach(path, auto=auto)
    except ConfigError as exc:
        raise HttpError(400, str(exc)) from None
    return JsonResponse(info.model_dump(mode="json"), status=201)


async def detach_project(ctx: ApiContext, request: Request) -> JsonResponse:
    """Detach a project (``{"path": ...}``: its config file, or its folder)."""
    raw = request.json_object().get("path")
    if not isinstance(raw, str) or not raw:
        raise HttpError(400, 'the body must be {"path": "<absolute path of entente.toml>"}')
    info = await ctx.projects.detach(file_path(raw, "path"))
    return JsonResponse(info.model_dump(mode="json"))
