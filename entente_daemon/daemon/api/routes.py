"""The control API: every route, on one router, behind a transport's guard."""

from __future__ import annotations

from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import App, Router
from entente_daemon.daemon.api.guard import RequestGuard
from entente_daemon.daemon.api.routes_daemon import add_daemon_routes
from entente_daemon.daemon.api.routes_fixture_detail import add_fixture_detail_routes
from entente_daemon.daemon.api.routes_records import add_record_routes
from entente_daemon.daemon.api.routes_tests import add_test_run_routes
from entente_daemon.daemon.api.routes_verify import add_verification_routes
from entente_daemon.daemon.api.stream import add_event_routes


def build_router(ctx: ApiContext) -> Router:
    router = Router()
    add_daemon_routes(router, ctx)
    add_record_routes(router, ctx)
    add_fixture_detail_routes(router, ctx)
    add_event_routes(router, ctx)
    add_test_run_routes(router, ctx)
    add_verification_routes(router, ctx)
    return router


def build_app(ctx: ApiContext, guard: RequestGuard) -> App:
    return App(build_router(ctx), guard, max_body=ctx.settings.max_body)
