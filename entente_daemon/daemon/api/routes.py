"""The control API's one route table: every method and path, and the handler that answers.

A handler is ``async def handler(ctx: ApiContext, request: Request) -> Response``; the
handlers live in per-area modules (``routes_*``, `stream`). `build_app` binds them to the
daemon's one `ApiContext` behind a transport's guard (one app per listener).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from entente_daemon.daemon.api import (
    routes_breaking,
    routes_daemon,
    routes_deploy,
    routes_fixture_detail,
    routes_fixture_flags,
    routes_records,
    routes_store,
    routes_sync,
    routes_tests,
    routes_verify,
    stream,
)
from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import App, Request, Response, Router
from entente_daemon.daemon.api.guard import RequestGuard

ContextHandler = Callable[[ApiContext, Request], Awaitable[Response]]

ROUTES: tuple[tuple[str, str, ContextHandler], ...] = (
    # the daemon itself
    ("GET", "/v1/health", routes_daemon.health),
    ("GET", "/v1/status", routes_daemon.status),
    ("GET", "/v1/alerts", routes_daemon.alerts),
    ("GET", "/v1/breaking-changes", routes_breaking.list_breaking_changes),
    ("GET", "/v1/mocks", routes_daemon.list_mocks),
    ("GET", "/v1/projects", routes_daemon.list_projects),
    ("POST", "/v1/projects", routes_daemon.attach_project),
    ("POST", "/v1/projects/detach", routes_daemon.detach_project),
    # the sync with the broker
    ("GET", "/v1/sync", routes_sync.sync_state),
    ("POST", "/v1/sync", routes_sync.sync_now),
    # stored records
    ("GET", "/v1/interactions", routes_records.list_interactions),
    ("POST", "/v1/interactions", routes_records.post_interactions),
    ("POST", "/v1/interactions/delete", routes_records.delete_interactions),
    ("POST", "/v1/interactions/promote", routes_records.promote_interactions),
    ("GET", "/v1/interactions/{id}", routes_records.get_interaction),
    ("GET", "/v1/fixtures", routes_records.list_fixtures),
    ("POST", "/v1/fixtures/{id}/approve", routes_records.approve_fixture),
    ("POST", "/v1/fixtures/{id}/reject", routes_records.reject_fixture),
    ("PUT", "/v1/fixtures/{id}/notes", routes_records.set_notes),
    ("GET", "/v1/verifications", routes_records.list_verifications),
    ("GET", "/v1/deployments", routes_records.list_deployments),
    # what runs where
    ("POST", "/v1/deployments", routes_deploy.record_deployment),
    ("POST", "/v1/deployments/undeploy", routes_deploy.undeploy),
    ("GET", "/v1/environments", routes_deploy.list_environments),
    ("POST", "/v1/environments", routes_deploy.create_environment),
    ("GET", "/v1/service-versions", routes_deploy.list_service_versions),
    ("POST", "/v1/service-versions", routes_deploy.register_version),
    ("POST", "/v1/spec-versions", routes_deploy.upload_spec),
    ("GET", "/v1/releases", routes_deploy.list_releases),
    ("POST", "/v1/releases", routes_deploy.record_release),
    ("POST", "/v1/releases/support-ended", routes_deploy.end_support),
    ("POST", "/v1/can-i-deploy", routes_deploy.can_i_deploy),
    ("GET", "/v1/readiness", routes_deploy.readiness),
    # the store itself: what it holds, and pruning it (h13-store)
    ("GET", "/v1/store/stats", routes_store.stats),
    ("POST", "/v1/store/prune", routes_store.prune),
    # fixtures explained and rechecked
    ("GET", "/v1/fixtures/{id}/detail", routes_fixture_detail.fixture_detail),
    ("POST", "/v1/fixtures/check", routes_fixture_flags.check_fixtures),
    # events
    ("GET", "/v1/events", stream.events_page),
    ("GET", "/v1/events/stream", stream.stream_events),
    # test runs
    ("POST", "/v1/test-runs/events", routes_tests.report_test_event),
    ("GET", "/v1/test-runs", routes_tests.list_test_runs),
    # provider verification
    ("POST", "/v1/verification-runs", routes_verify.open_run),
    ("GET", "/v1/verification-runs", routes_verify.list_runs),
    ("GET", "/v1/verification-runs/{id}", routes_verify.get_run),
    ("POST", "/v1/verification-runs/{id}/progress", routes_verify.progress),
    ("POST", "/v1/verification-runs/{id}/finish", routes_verify.finish),
    ("POST", "/v1/verify", routes_verify.start_verification),
    ("GET", "/v1/verify/providers", routes_verify.list_providers),
)


def build_router(ctx: ApiContext) -> Router:
    router = Router()
    for method, path, handler in ROUTES:
        router.add(method, path, partial(handler, ctx))
    return router


def build_app(ctx: ApiContext, guard: RequestGuard) -> App:
    return App(build_router(ctx), guard, max_body=ctx.settings.max_body)
