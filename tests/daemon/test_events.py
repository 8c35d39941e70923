"""The live event stream: order, resuming without gap or duplicate, slow readers, restarts."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import httpx

from entente_daemon.client import AsyncDaemonClient, Backoff, StreamState, StreamStatus
from entente_daemon.client.sse import SseMessage, SseParser
from entente_daemon.model import Event, EventKind

from .conftest import Daemon, interaction, wait_for


def frames(response: httpx.Response) -> Iterator[SseMessage]:
    parser = SseParser()
    for line in response.iter_lines():
        message = parser.feed(line)
        if message is not None:
            yield message


def recorded(response: httpx.Response, count: int) -> list[tuple[int, dict[str, object]]]:
    """The next ``count`` interaction.recorded frames: (id, data)."""
    out: list[tuple[int, dict[str, object]]] = []
    for message in frames(response):
        if message.event == EventKind.INTERACTION_RECORDED:
            assert message.id is not None
            data = json.loads(message.data)
            assert data["v"] == 1
            assert data["seq"] == int(message.id)
            out.append((int(message.id), data))
            if len(out) == count:
                break
    return out


def post_batches(daemon: Daemon, first: int, count: int, size: int = 10) -> list[str]:
    ids: list[str] = []
    with daemon.client() as client:
        for start in range(first, first + count, size):
            # Each its own operation: the store keeps at most 20 per bucket (store.bounds).
            batch = [
                interaction(n, operation_id=f"getCastle{n}")
                for n in range(start, min(start + size, first + count))
            ]
            ids += client.upload_interactions(batch).ids
    return ids


def test_stream_yields_recorded_events_in_order(shared_daemon: Daemon) -> None:
    with shared_daemon.http() as http, http.stream("GET", "/v1/events/stream") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        ids = post_batches(shared_daemon, 0, 50)
        got = recorded(stream, 50)
    seqs = [seq for seq, _ in got]
    assert seqs == list(range(seqs[0], seqs[0] + 50))
    assert [data["payload"]["id"] for _, data in got] == ids  # type: ignore[index]


def test_resume_from_last_event_id_without_gap_or_duplicate(shared_daemon: Daemon) -> None:
    with shared_daemon.client() as client:
        start = client.events_since(0, 1).last_seq
    post_batches(shared_daemon, 1000, 50)
    with shared_daemon.http() as http:
        with http.stream("GET", "/v1/events/stream", params={"since": start}) as stream:
            first = recorded(stream, 20)
        last_id = first[-1][0]
        # More are recorded while we reconnect: the resumed stream replays the stored ones
        # it missed, then goes live, and must not lose or repeat any on the seam.
        poster = threading.Thread(target=post_batches, args=(shared_daemon, 2000, 30, 3))
        headers = {"Last-Event-ID": str(last_id)}
        with http.stream("GET", "/v1/events/stream", headers=headers) as stream:
            poster.start()
            rest = recorded(stream, 60)
        poster.join()
    seqs = [seq for seq, _ in first + rest]
    assert seqs == list(range(start + 1, start + 81))


def test_a_slow_reader_is_told_it_fell_behind_and_the_daemon_stays_responsive(
    daemon: Daemon,
) -> None:
    daemon.start("--queue-size", "100")
    long_path = "/castles/" + "x" * 2000  # big frames fill the socket buffers sooner
    with daemon.http() as http, http.stream("GET", "/v1/events/stream") as slow:
        assert slow.status_code == 200
        with daemon.client() as client:
            for start in range(0, 3000, 50):  # the slow reader reads nothing meanwhile
                batch = range(start, start + 50)
                client.upload_interactions(
                    [
                        interaction(
                            n,
                            operation_id=f"getCastle{n}",  # one bucket each: all are kept
                            request={"method": "GET", "path": f"{long_path}/{n}"},
                        )
                        for n in batch
                    ]
                )
                assert client.health().ok
            status = client.status()
            assert status.store.records["interactions"] == 3000
        messages = list(frames(slow))  # the daemon ends the stream after the overflow
    assert messages[-1].event == "overflow"
    overflow = json.loads(messages[-1].data)
    ids = [int(m.id) for m in messages if m.id is not None]
    assert ids == list(range(1, len(ids) + 1))  # what it did get has no gap
    assert len(ids) < 3000
    assert overflow["last_seq"] == ids[-1]  # where to resume from


async def test_the_async_client_follows_the_daemon_across_a_restart(daemon: Daemon) -> None:
    await asyncio.to_thread(daemon.start)
    states: list[StreamState] = []
    events: list[Event] = []
    changed = asyncio.Event()

    def on_state(status: StreamStatus) -> None:
        states.append(status.state)
        changed.set()

    async def until(condition: object, what: str) -> None:
        async def poll() -> None:
            while not condition():  # type: ignore[operator]
                changed.clear()
                await changed.wait()

        try:
            await asyncio.wait_for(poll(), 30)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}; states {states}") from None

    async def consume(client: AsyncDaemonClient) -> None:
        backoff = Backoff(initial=0.05, maximum=0.3)
        async for event in client.stream_events(None, on_state=on_state, backoff=backoff):
            events.append(event)
            changed.set()

    client = AsyncDaemonClient.connect(daemon.home)
    task = asyncio.create_task(consume(client))
    try:
        await until(lambda: StreamState.LIVE in states, "the stream to go live")
        await asyncio.to_thread(post_batches, daemon, 0, 3)
        await until(lambda: len(events) == 3, "3 events")

        await asyncio.to_thread(daemon.stop)
        await until(lambda: states[-1] is StreamState.RECONNECTING, "a reconnect attempt")
        await asyncio.to_thread(daemon.start)
        await asyncio.to_thread(post_batches, daemon, 10, 2)
        await until(lambda: len(events) == 5, "2 more events after the restart")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 5))
    assert all(e.kind is EventKind.INTERACTION_RECORDED for e in events)
    assert states.count(StreamState.LIVE) == 2


def test_a_client_leaving_mid_stream_is_cleaned_up_quietly(shared_daemon: Daemon) -> None:
    with shared_daemon.client() as client:
        with shared_daemon.http() as http, http.stream("GET", "/v1/events/stream") as stream:
            messages = frames(stream)  # kept: dropping the generator would close the stream
            assert next(messages).event == "ready"
            assert client.status().subscribers == 1
        # Gone: the daemon notices at once (not at the next heartbeat) and forgets it.
        wait_for(lambda: client.status().subscribers == 0, what="the subscriber to go")
        post_batches(shared_daemon, 5000, 5)
        assert client.health().ok
    log = shared_daemon.paths.log.read_text()
    assert "ERROR" not in log
    assert "Traceback" not in log


def test_a_quiet_stream_sends_heartbeats(daemon: Daemon) -> None:
    daemon.start("--heartbeat", "0.1")
    with daemon.http() as http, http.stream("GET", "/v1/events/stream") as stream:
        lines = stream.iter_lines()
        heartbeats = 0
        for line in lines:
            heartbeats += line == ": heartbeat"
            if heartbeats == 2:
                break
    assert heartbeats == 2
