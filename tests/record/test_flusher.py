"""The flusher's own work: slices handed to the sink, a sink failing half-way, repeats
recognised without converting again (headers in another order included), and yielding the
GIL between slices of work."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest

from entente_daemon.errors import StoreError
from entente_daemon.model import Interaction
from entente_daemon.record import MemorySink, slicing
from entente_daemon.record import capture as recorder_module
from entente_daemon.record.convert import to_interaction
from entente_daemon.record.memo import Conversions, digest

from .factory import answered, recorder


class SlicedSink(MemorySink):
    """Takes ``accept`` writes, then refuses until told otherwise; remembers batch sizes."""

    write_slice = 3

    def __init__(self, accept: int = 1_000_000) -> None:
        super().__init__()
        self.accept = accept
        self.sizes: list[int] = []

    def write(self, interactions: Sequence[Interaction]) -> None:
        if self.accept <= 0:
            raise StoreError("the store is locked by another writer")
        self.accept -= 1
        self.sizes.append(len(interactions))
        super().write(interactions)


def test_the_sink_gets_slices_of_its_own_size() -> None:
    sink = SlicedSink()
    rec = recorder(sink)
    for n in range(8):
        rec.record(*answered(f"/castles/{n}"), 0.001)
    assert rec.close() == []
    assert sink.sizes == [3, 3, 2]
    assert len(sink.interactions()) == 8
    assert rec.written == 8


def test_a_sink_failing_half_way_gets_only_the_rest_again() -> None:
    sink = SlicedSink(accept=1)
    warnings: list[str] = []
    rec = recorder(sink, warn=warnings.append, retry_interval=0.0)
    for n in range(5):
        request, result = answered(f"/castles/{n}")
        rec.record(request, result, 0.001)
        rec.record(request, result, 0.001)
    assert not rec.flush()
    assert rec.written == 6  # the first slice: three interactions of two requests each
    assert rec.pending == 2
    assert "keeping 2 interaction(s) in memory" in warnings[0]
    sink.accept = 10
    assert rec.flush()
    assert sink.sizes == [3, 2]
    assert sorted(i.count for i in sink.interactions()) == [2] * 5  # nothing counted twice
    assert rec.close() == []
    assert rec.recorded == rec.written == 10


def test_repeats_in_another_header_order_are_not_converted_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converted: list[str] = []
    convert = to_interaction  # what the capture module calls

    def counting(*args: Any, **kwargs: Any) -> Interaction:
        converted.append(args[1].path)
        return convert(*args, **kwargs)

    monkeypatch.setattr(recorder_module, "to_interaction", counting)
    sink = MemorySink()
    rec = recorder(sink, repeat_interval=0.0)
    one = answered("/castles/1", headers=(("accept", "application/json"), ("x-trace", "a")))
    other_order = answered("/castles/1", headers=(("x-trace", "a"), ("accept", "application/json")))
    rec.record(*one, 0.001)
    rec.record(*other_order, 0.001)
    assert rec.flush()
    for _ in range(3):
        rec.record(*other_order, 0.001)
        rec.record(*one, 0.001)
        assert rec.flush()
    assert rec.close() == []
    assert converted == ["/castles/1"]
    [interaction] = sink.interactions()
    assert interaction.count == 8


def test_conversions_forget_the_least_recently_used() -> None:
    request, _ = answered("/castles/1")
    interaction = Interaction.model_validate(
        {
            "consumer": "c",
            "consumer_version": "1",
            "provider": "p",
            "provider_version": "1",
            "request": {"method": request.method, "path": request.path},
            "response": {"status": 200},
        }
    )
    conversions = Conversions(size=2)
    ordered = (("a", "1"), ("b", "2"))
    keys = [digest(("who", "GET", f"/castles/{n}", "", ordered)) for n in range(3)]
    conversions.put(keys[0], interaction)
    conversions.put(keys[1], interaction)
    assert conversions.get(keys[0]) is interaction  # now the most recently used
    conversions.put(keys[2], interaction)
    assert conversions.get(keys[1]) is None
    assert conversions.get(keys[0]) is interaction
    shuffled = ("who", "GET", "/castles/2", "", (("b", "2"), ("a", "1")))
    assert digest(shuffled) == keys[2]  # headers in another order: the same request
    assert conversions.get(digest(shuffled)) is interaction
    assert len(conversions) == 2


def test_the_recorder_remembers_digests_not_bodies_or_headers() -> None:
    secret_body = {"note": "x" * 64 + "-a-body-worth-forgetting"}
    rec = recorder(MemorySink())
    request, result = answered(
        "/castles", method="POST", body=secret_body, headers=(("x-trace", "t-1234567890"),)
    )
    rec.record(request, result, 0.001)
    assert rec.flush()
    remembered = rec._cache.digests()
    assert remembered
    assert all(isinstance(d, bytes) and len(d) == 20 for d in remembered)
    assert all(isinstance(k, int) for k in rec._converted)
    assert not rec._groups  # the raw request is gone once converted
    assert rec.close() == []


def test_the_slicer_lets_go_of_the_gil_once_its_slice_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    sleeps: list[float] = []
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])  # the module slicing reads
    monkeypatch.setattr(time, "sleep", sleeps.append)
    slicer = slicing.Slicer()
    slicer.tick()
    clock[0] += slicing.SLICE_SECONDS / 2
    slicer.tick()
    assert sleeps == []
    clock[0] += slicing.SLICE_SECONDS
    slicer.tick()
    assert sleeps == [0]
    slicer.tick()
    assert sleeps == [0]  # a new slice started
    assert list(slicing.slices([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
