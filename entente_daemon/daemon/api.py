"""The control API: every route, on one router, behind a transport's guard."""

from __future__ import annotations

from .asgi import App, Router
from .context import ApiContext
from .guard import RequestGuard
from .routes_daemon import add_daemon_routes
from .routes_fixture_detail import add_fixture_detail_routes
from .routes_records import add_record_routes
from .routes_tests import add_test_run_routes
from .routes_verify import add_verification_routes
from .stream import add_event_routes


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
