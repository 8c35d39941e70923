"""The recorder: de-duplication with counts, test attribution, a failing sink's retries,
and when recording is on by default."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from entente_daemon.errors import StoreError
from entente_daemon.model import Interaction
from entente_daemon.record import (
    MemorySink,
    NullSink,
    RecordingContext,
    Sink,
    StoreSink,
    readable_path,
    recording_enabled,
)
from entente_daemon.record.daemon_sink import DaemonSink
from entente_daemon.store import Store

from .factory import answered, recorder


def test_identical_requests_are_one_interaction_with_a_count() -> None:
    sink = MemorySink()
    rec = recorder(sink)
    request, result = answered("/castles")
    other = answered("/castles", query="region=Normandie")
    for _ in range(500):
        rec.record(request, result, 0.0002)
    rec.record(*other, 0.0003)
    assert rec.close() == []
    first, second = sink.interactions()
    assert (first.count, second.count) == (500, 1)
    assert first.last_seen is not None
    assert first.last_seen >= first.timestamp
    assert second.last_seen is None
    assert second.request.query == {"region": ["Normandie"]}
    assert rec.recorded == rec.written == 501


def test_the_store_adds_counts_across_batches(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store") as store:
        rec = recorder(StoreSink(store))
        request, result = answered("/castles/3f6c", operation_id="getCastle")
        for batch in range(3):
            for _ in range(10):
                rec.record(request, result, 0.001)
            assert rec.flush()  # each flush writes a batch; the store de-duplicates
            assert store.interactions.count() == 1, f"after batch {batch}"
        rec.close()
    with Store.open(tmp_path / "store", readonly=True) as store:
        [stored] = store.interactions.list(provider="castle-service")
    assert stored.count == 30
    assert stored.operation_id == "getCastle"
    assert stored.consumer == "castle-client"
    assert stored.content_hash == stored.compute_hash()


def test_interactions_are_attributed_to_the_current_test() -> None:
    sink = MemorySink()
    context = RecordingContext()
    rec = recorder(sink, context)
    context.set(None, "run-1")
    with context.test("tests/test_a.py::test_one"):
        rec.record(*answered("/castles/1", operation_id="getCastle"), 0.001)
    with context.test("tests/test_a.py::test_two", run_id="run-2"):
        rec.record(*answered("/castles/2", operation_id="getCastle"), 0.001)
    assert context.current() == (None, "run-1")  # restored after each block
    rec.record(*answered("/castles/3", operation_id="getCastle"), 0.001)
    rec.close()
    assert [(i.request.path, i.test_id, i.run_id) for i in sink.take()] == [
        ("/castles/1", "tests/test_a.py::test_one", "run-1"),
        ("/castles/2", "tests/test_a.py::test_two", "run-2"),
        ("/castles/3", None, "run-1"),
    ]


def test_the_same_request_from_two_tests_is_one_interaction_per_test() -> None:
    """The content hash includes the test: each test keeps its own attribution, and a test
    repeating a request across runs is one interaction with a count."""
    sink = MemorySink()
    context = RecordingContext()
    rec = recorder(sink, context)
    request, result = answered()
    for test, run in (("test_one", "run-1"), ("test_two", "run-1"), ("test_one", "run-2")):
        with context.test(test, run):
            rec.record(request, result, 0.001)
    rec.close()
    stored: dict[str, tuple[int, str | None]] = {}
    for interaction in sink.interactions():
        count, _ = stored.get(interaction.content_hash, (0, None))
        stored[interaction.content_hash] = (count + interaction.count, interaction.test_id)
    assert sorted(stored.values()) == [(1, "test_two"), (2, "test_one")]


def test_header_attribution_overrides_the_context() -> None:
    sink = MemorySink()
    context = RecordingContext("tests/test_py.py::test_x", "py-run")
    rec = recorder(sink, context)
    request, result = answered("/castles/1", operation_id="getCastle")
    rec.record(request, result, 0.001, "spec/castles_spec.rb:12", "rb-run")
    rec.close()
    [interaction] = sink.interactions()
    assert (interaction.test_id, interaction.run_id) == ("spec/castles_spec.rb:12", "rb-run")


class FlakySink(Sink):
    """Refuses writes until told otherwise, like a store another writer holds."""

    def __init__(self) -> None:
        self.refuse = True
        self.written: list[Interaction] = []
        self.attempts = 0

    def write(self, interactions: Sequence[Interaction]) -> None:
        self.attempts += 1
        if self.refuse:
            raise StoreError("/home/x/store: locked by entente-daemon (pid 4242)")
        self.written.extend(interactions)


def test_a_failing_sink_keeps_interactions_and_retries() -> None:
    sink = FlakySink()
    warnings: list[str] = []
    rec = recorder(sink, warn=warnings.append, retry_interval=0.0)
    request, result = answered()
    rec.record(request, result, 0.001)
    assert not rec.flush()
    rec.record(request, result, 0.001)
    assert not rec.flush()
    assert rec.pending == 1  # merged in memory
    assert len(warnings) == 1
    assert "locked by entente-daemon (pid 4242)" in warnings[0]
    assert "keeping 1 interaction(s) in memory" in warnings[0]
    sink.refuse = False
    assert rec.flush()
    [interaction] = sink.written
    assert interaction.count == 2
    assert "wrote the 1 interaction(s) kept in memory" in warnings[1]
    assert rec.close() == []


def test_close_returns_what_could_not_be_written() -> None:
    sink = FlakySink()
    rec = recorder(sink, warn=lambda message: None, retry_interval=0.01)
    rec.record(*answered(), 0.001)
    [unwritten] = rec.close(timeout=0.05)
    assert unwritten.request.path == "/castles"
    assert sink.attempts >= 1


def test_disabled_and_null_recorders_record_nothing() -> None:
    sink = MemorySink()
    off = recorder(sink, enabled=False)
    off.record(*answered(), 0.001)
    off.close()
    assert sink.interactions() == []
    null = recorder(NullSink())
    null.record(*answered(), 0.001)
    assert null.close() == []
    assert null.written == 1


def test_record_is_thread_safe() -> None:
    sink = MemorySink()
    rec = recorder(sink, batch_size=50, flush_interval=0.01)
    requests = [answered(f"/castles/{n}", operation_id="getCastle") for n in range(20)]

    def hammer() -> None:
        for _ in range(50):
            for request, result in requests:
                rec.record(request, result, 0.0001)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rec.close()
    interactions = sink.interactions()
    assert len(interactions) == 20
    assert {i.count for i in interactions} == {200}


@pytest.mark.parametrize(
    ("raw", "recorded"),
    [
        ("/castles/Ch%C3%A2teau%20de%20Versailles", "/castles/Château%20de%20Versailles"),
        ("/files/a%2Fb", "/files/a%2Fb"),
        ("/files/100%25", "/files/100%25"),
        ("/castles/%7Eown%2d", "/castles/~own-"),
        ("/bad/%FF%FE", "/bad/%FF%FE"),
        ("/castles", "/castles"),
    ],
)
def test_recorded_paths_are_readable_and_unambiguous(raw: str, recorded: str) -> None:
    assert readable_path(raw) == recorded


def test_recording_is_off_by_default_outside_ci(entente_home: Path) -> None:
    assert recording_enabled(environ={}) == (False, "default outside CI; --record turns it on")
    assert recording_enabled(environ={"CI": "true"})[0] is True
    assert recording_enabled(True, False, environ={})[0] is True
    assert recording_enabled(None, True, environ={})[0] is True
    assert recording_enabled(False, None, environ={"CI": "true"})[0] is False


class FakeDaemon:
    """Stands in for the daemon client: these tests are about the sink's batching."""

    def __init__(self) -> None:
        self.uploaded: list[Interaction] = []
        self.closed = False

    def upload_interactions(
        self, interactions: Iterable[Interaction], fixtures: Iterable[object] = ()
    ) -> None:
        self.uploaded.extend(interactions)

    def close(self) -> None:
        self.closed = True


def test_the_daemon_sink_uploads_batches() -> None:
    daemon = FakeDaemon()
    rec = recorder(DaemonSink(daemon))
    for _ in range(3):
        rec.record(*answered(), 0.001)
    assert rec.close() == []
    [uploaded] = daemon.uploaded
    assert uploaded.count == 3
    assert daemon.closed


class CountingSink(MemorySink):
    """A memory sink that remembers each batch it was handed."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[tuple[str, int]]] = []

    def write(self, interactions: Sequence[Interaction]) -> None:
        self.batches.append([(i.request.path, i.count) for i in interactions])
        super().write(interactions)


def test_repeats_of_written_interactions_wait_for_the_repeat_interval() -> None:
    """New interactions go out at once; count updates of written ones are batched."""
    sink = CountingSink()
    rec = recorder(sink, RecordingContext(), repeat_interval=3600.0)
    request, result = answered("/castles/1")
    rec.record(request, result, 0.001)
    assert rec.flush() is True
    rec.record(request, result, 0.001)
    rec.record(request, result, 0.001)
    other, other_result = answered("/castles/2")
    rec.record(other, other_result, 0.001)
    with rec._flush_lock:
        assert rec._flush_once(force=False) is False  # the repeat waits
    assert sink.batches == [[("/castles/1", 1)], [("/castles/2", 1)]]
    rec.close()  # close writes what waits
    assert sink.batches[-1] == [("/castles/1", 2)]
    assert sum(i.count for i in sink.interactions()) == 4
