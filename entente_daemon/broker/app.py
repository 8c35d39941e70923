"""The broker's ASGI app: FastAPI routes under ``/api/v1/``, errors in one JSON shape
(``{"error": {"code", "message", "field"}}``), wrapped in the request limits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.types import ASGIApp

from entente_daemon import __version__
from entente_daemon.client.broker_wire import BROKER_PREFIX, ErrorBody, Health

from . import retention, routes_deploy, routes_records
from .context import BrokerContext
from .database import current_revision, open_engine
from .errors import BrokerProblem
from .facts_db import FactsCache
from .limits import RequestLimits
from .settings import BrokerSettings

#: How often a process prunes when ``keep_days`` is set.
PRUNE_EVERY = 3600.0

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "no key, or not a valid one"},
    403: {"model": ErrorBody, "description": "the key lacks the scope"},
    413: {"model": ErrorBody, "description": "over a size or batch limit"},
    422: {"model": ErrorBody, "description": "malformed input, with the field"},
}


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return JSONResponse(body, status_code=status)


def _field(location: Sequence[Any]) -> str:
    return ".".join(str(part) for part in location)


def build_api(context: BrokerContext) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = None
        if context.settings.keep_days is not None:
            task = asyncio.create_task(_prune_now_and_then(context))
        yield
        if task is not None:
            task.cancel()
        context.engine.dispose()

    api = FastAPI(
        title="Entente broker",
        version=__version__,
        description="One shared record of specs, interactions, verifications, fixtures and "
        "deployments for a team and its CI.",
        openapi_url=f"{BROKER_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    api.state.broker = context

    @api.exception_handler(BrokerProblem)
    async def problem(_request: Request, error: BrokerProblem) -> JSONResponse:
        return _error(error.status, error.code, error.message, error.field)

    @api.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        codes = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "not_allowed"}
        response = _error(
            error.status_code, codes.get(error.status_code, "error"), str(error.detail)
        )
        response.headers.update(error.headers or {})
        return response

    @api.exception_handler(RequestValidationError)
    async def malformed(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        first = problems[0] if problems else {"loc": (), "msg": "malformed request"}
        where = _field(first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid')}"
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more)"
        return _error(422, "invalid", message, where)

    @api.get(f"{BROKER_PREFIX}/health", response_model=Health, tags=["broker"])
    async def health() -> Health:
        """Whether the broker answers, its version and its database's schema revision. No
        key needed."""
        schema = await run_in_threadpool(current_revision, context.engine)
        return Health.model_validate({"status": "ok", "version": __version__, "schema": schema})

    api.include_router(routes_records.router, prefix=BROKER_PREFIX, responses=ERRORS)
    api.include_router(routes_deploy.router, prefix=BROKER_PREFIX, responses=ERRORS)
    return api


async def _prune_now_and_then(context: BrokerContext) -> None:
    keep_days = context.settings.keep_days
    assert keep_days is not None
    while True:
        await run_in_threadpool(retention.prune, context.engine, keep_days)
        await asyncio.sleep(PRUNE_EVERY)


def create_app(settings: BrokerSettings, engine: Engine | None = None) -> ASGIApp:
    engine = engine or open_engine(settings.database)
    context = BrokerContext(settings, engine, FactsCache(engine))
    return RequestLimits(
        build_api(context), max_body=settings.max_body, timeout=settings.request_timeout
    )


def app_from_env() -> ASGIApp:
    """The app of a worker process (``entente broker serve --workers N``): its settings
    come from the environment the serving process set."""
    return create_app(BrokerSettings.from_env())
