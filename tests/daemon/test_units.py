"""The daemon's parts in-process: SSE parsing, routing, the guard, the bus, the recorder."""

from __future__ import annotations

import asyncio
import errno
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from entente_daemon.client.sse import SseMessage, SseParser
from entente_daemon.daemon.api.framework import HttpError, JsonResponse, Request, Router
from entente_daemon.daemon.api.guard import RequestGuard
from entente_daemon.daemon.services.bus import EventBus, Signal, Subscription
from entente_daemon.daemon.services.kinds import STORE_ERROR
from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.errors import StoreError
from entente_daemon.model import Event, EventKind
from entente_daemon.store import Store
from entente_daemon.store import engine as engine_module
from entente_daemon.store.journal import JournalWriter

from .conftest import interaction


def test_sse_parser_reads_frames_comments_and_multiline_data() -> None:
    parser = SseParser()
    lines = [": heartbeat", "", "id: 7", "event: x", "data: a", "data:b", "", "retry: 50", ""]
    assert [m for m in map(parser.feed, lines) if m is not None] == [
        SseMessage(event="x", data="a\nb", id="7")
    ]
    assert parser.feed("data: plain") is None
    assert parser.feed("") == SseMessage(event="message", data="plain")


async def ok(request: Request) -> JsonResponse:
    return JsonResponse(request.path_params)


def test_router_matches_templates_and_explains_misses() -> None:
    router = Router()
    router.add("POST", "/v1/fixtures/{id}/approve", ok)
    router.add("GET", "/v1/fixtures", ok)
    handler, params = router.resolve("POST", "/v1/fixtures/abc/approve")
    assert handler is ok
    assert params == {"id": "abc"}
    with pytest.raises(HttpError) as missing:
        router.resolve("POST", "/v1/fixtures//approve")
    assert missing.value.status == 404
    with pytest.raises(HttpError) as wrong:
        router.resolve("DELETE", "/v1/fixtures")
    assert wrong.value.status == 405
    assert ("allow", "GET, HEAD") in wrong.value.headers


def request(**headers: str) -> Request:
    return Request("GET", "/v1/status", "", [(k.lower(), v) for k, v in headers.items()])


def test_guard_rules() -> None:
    unix = RequestGuard("unix")
    unix(request(Host="entente-daemon"))
    tcp = RequestGuard("tcp", port=4000, token="t0ken")
    tcp(request(Host="127.0.0.1:4000", Authorization="Bearer t0ken"))
    refused = [
        (unix, request()),
        (unix, request(Host="entente-daemon", Origin="http://localhost")),
        (tcp, request(Host="127.0.0.1:4001", Authorization="Bearer t0ken")),
        (tcp, request(Host="127.0.0.1:4000")),
        (tcp, request(Host="127.0.0.1:4000", Authorization="Bearer t0ke")),
    ]
    statuses = []
    for guard, req in refused:
        with pytest.raises(HttpError) as error:
            guard(req)
        statuses.append(error.value.status)
    assert statuses == [403, 403, 403, 401, 401]
    with pytest.raises(ValueError, match="needs a token"):
        RequestGuard("tcp", port=1)


EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def event(seq: int) -> Event:
    return Event(seq=seq, kind=EventKind.INTERACTION_RECORDED, time=EPOCH)


async def test_a_subscription_overflows_instead_of_growing() -> None:
    subscription = Subscription(3)
    subscription.offer([event(1), event(2)])
    assert await subscription.get(0) == event(1)
    subscription.offer([event(3), event(4), event(5)])  # 4 queued > 3
    assert subscription.overflowed
    assert subscription.dropped == 4
    assert await subscription.get(0) is Signal.OVERFLOW
    assert await Subscription(3).get(0.01) is Signal.TIMEOUT
    caught_up = Subscription(3)
    caught_up.offer([event(n) for n in range(1, 11)])  # one big batch: not behind
    assert not caught_up.overflowed
    assert [await caught_up.get(0) for _ in range(10)] == [event(n) for n in range(1, 11)]
    closing = Subscription(3)
    closing.close()
    assert await closing.get() is Signal.CLOSED


async def test_the_bus_serves_recent_events_from_memory_and_older_from_the_store() -> None:
    asked: list[tuple[int, int]] = []

    async def from_store(seq: int, limit: int) -> list[Event]:
        asked.append((seq, limit))
        return [event(n) for n in range(seq + 1, 5)]

    async def emit(kind: EventKind, payload: dict[str, object]) -> Event:
        raise AssertionError("not used")

    bus = EventBus(recent=10)
    bus.bind(read_since=from_store, emit=emit, last_seq=4)
    await bus.start()
    subscription = bus.subscribe()
    bus.dispatch([event(5), event(6)])
    assert bus.last_seq == 6
    assert [e.seq for e in await bus.since(4, 10)] == [5, 6]
    assert asked == []
    assert [e.seq for e in await bus.since(2, 10)] == [3, 4]
    assert asked == [(2, 10)]
    assert [await subscription.get(0), await subscription.get(0)] == [event(5), event(6)]
    await bus.stop()
    assert await subscription.get() is Signal.CLOSED
    assert bus.subscribe().closed


async def test_a_full_disk_is_an_event_and_a_log_line_and_nothing_is_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="entente.daemon.store_writer")
    bus = EventBus()
    recorder = StoreWriter(tmp_path / "store", dispatch=bus.dispatch, health_interval=0.02)
    await recorder.start()
    bus.bind(
        read_since=lambda s, n: recorder.read(lambda st: st.events.since(s, n)),
        emit=recorder.emit,
        last_seq=0,
    )
    await bus.start()
    subscription = bus.subscribe()

    def disk_full(*args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    async def next_alert(name: str) -> Event:
        async with asyncio.timeout(20):
            while True:
                item = await subscription.get()
                if isinstance(item, Event) and item.payload.get("event") == name:
                    return item

    monkeypatch.setattr(JournalWriter, "append", disk_full)
    monkeypatch.setattr(engine_module, "write_snapshot", disk_full)  # no room for it either
    try:
        with pytest.raises(StoreError, match="No space left on device"):
            await recorder.record_interactions([interaction(1)])  # not acknowledged
        item = await next_alert("store.error")
        assert item.kind is STORE_ERROR
        assert "No space left on device" in item.payload["message"]
        assert "the store cannot write to disk" in caplog.text
        assert bus.alerts[-1].seq == item.seq
        assert recorder.store_error is not None
        with pytest.raises(StoreError, match="nothing was recorded"):
            await recorder.record_interactions([interaction(2)])  # refused: the client keeps it
    finally:
        monkeypatch.undo()  # the disk has room again
    recovered = await next_alert("store.recovered")  # a snapshot first, then the journal
    assert recovered.kind is STORE_ERROR
    assert recorder.store_error is None
    recorded, _ = await recorder.record_interactions([interaction(2)])  # recording goes on
    assert recorded[0].new
    await recorder.stop()
    with Store.open(tmp_path / "store", readonly=True) as store:
        assert store.interactions.count() == 2  # the first one was kept in memory meanwhile
        assert STORE_ERROR in {e.kind for e in store.events.since(0)}
