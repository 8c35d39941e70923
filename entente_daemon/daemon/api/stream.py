"""The live event feed: ``GET /v1/events`` (a page) and ``GET /v1/events/stream`` (SSE).

A stream resumes after ``Last-Event-ID`` (or ``?since=``): it subscribes first, then sends
the stored events after that id, then the live ones, skipping any it already sent; so there
is no gap and no duplicate. Without either, it starts with the next event. Frames::

    event: ready              (first; data {"v", "last_seq", "version"})
    id: 42
    event: interaction.recorded
    data: {"v": 1, "seq": 42, "kind": "interaction.recorded", "time": ..., "payload": {...}}
    : heartbeat               (a comment, every ~15 s of silence)
    event: overflow           (you fell behind: reconnect with Last-Event-ID; then the end)
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from entente_daemon import __version__
from entente_daemon.client.wire import (
    EVENT_SCHEMA_VERSION,
    SSE_OVERFLOW,
    SSE_READY,
    event_to_wire,
)
from entente_daemon.daemon.api.context import ApiContext
from entente_daemon.daemon.api.framework import (
    HttpError,
    JsonResponse,
    Request,
    StreamResponse,
)
from entente_daemon.daemon.services.bus import EventBus, Signal
from entente_daemon.model import Event

log = logging.getLogger("entente.daemon.stream")

BACKLOG_PAGE = 500
MAX_PAGE = 1000


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def event_frame(event: Event) -> bytes:
    data = _json(event_to_wire(event))
    return f"id: {event.seq}\nevent: {event.kind}\ndata: {data}\n\n".encode()


def named_frame(name: str, data: dict[str, Any]) -> bytes:
    body = _json({"v": EVENT_SCHEMA_VERSION, **data})
    return f"event: {name}\ndata: {body}\n\n".encode()


def resume_point(request: Request) -> int | None:
    """The id to resume after: ``Last-Event-ID`` (a reconnect) wins over ``?since=``."""
    header = request.header("last-event-id")
    if header is not None and header.strip():
        try:
            value = int(header.strip())
        except ValueError:
            raise HttpError(
                400, f"Last-Event-ID must be an event id (a number), got {header!r}"
            ) from None
        if value < 0:
            raise HttpError(400, f"Last-Event-ID must not be negative, got {value}")
        return value
    return request.int_arg("since")


async def event_stream(bus: EventBus, since: int | None, heartbeat: float) -> AsyncIterator[bytes]:
    subscription = bus.subscribe()  # before reading the backlog: nothing falls in between
    try:
        last = bus.last_seq if since is None else since
        yield b"retry: 1000\n" + named_frame(
            SSE_READY, {"last_seq": bus.last_seq, "version": __version__}
        )
        if since is not None:
            while True:
                page = await bus.since(last, BACKLOG_PAGE)
                for event in page:
                    yield event_frame(event)
                    last = event.seq
                if len(page) < BACKLOG_PAGE:
                    break
        while True:
            item = await subscription.get(heartbeat)
            if item is Signal.TIMEOUT:
                yield b": heartbeat\n\n"
            elif item is Signal.OVERFLOW:
                log.info(
                    "an event stream fell behind (%d event(s) dropped); told it to resume after %d",
                    subscription.dropped,
                    last,
                )
                yield named_frame(
                    SSE_OVERFLOW,
                    {
                        "last_seq": last,
                        "message": "you fell behind; reconnect with Last-Event-ID to resume",
                    },
                )
                return
            elif item is Signal.CLOSED:
                return
            elif isinstance(item, Event) and item.seq > last:
                yield event_frame(item)
                last = item.seq
    finally:
        bus.unsubscribe(subscription)


async def events_page(ctx: ApiContext, request: Request) -> JsonResponse:
    since = request.int_arg("since", default=0) or 0
    limit = request.int_arg("limit", default=100, maximum=MAX_PAGE) or 0
    events = await ctx.bus.since(since, limit)
    return JsonResponse(
        {"events": [event_to_wire(e) for e in events], "last_seq": ctx.bus.last_seq}
    )


async def stream_events(ctx: ApiContext, request: Request) -> StreamResponse:
    since = resume_point(request)
    return StreamResponse(
        event_stream(ctx.bus, since, ctx.settings.heartbeat),
        media_type="text/event-stream; charset=utf-8",
        headers=(("x-accel-buffering", "no"),),
    )
