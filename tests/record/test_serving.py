"""Recording through a real server: ``entente mock --record`` into the store (also while
another writer holds it), attribution over HTTP, and an engine swapped under load."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx

from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.uvicorn_server import MockServer
from entente_daemon.openapi import load_spec, load_spec_text
from entente_daemon.record import REDACTED, InteractionCapture, MemorySink, RecordingContext
from entente_daemon.store import Store
from tests.mock.serving import CASTLE, VERSAILLES, MockProcess

TOKEN = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.dG9rZW4"


def test_entente_mock_record_writes_interactions_to_the_store(
    entente_home: Path, tmp_path: Path
) -> None:
    mock = MockProcess.start(str(CASTLE), "--record", home=entente_home, cwd=tmp_path)
    try:
        assert "Recording: on (--record)" in mock.stdout.text
        with httpx.Client(base_url=mock.url, timeout=30) as client:
            for _ in range(3):
                answer = client.get(
                    f"/castles/{VERSAILLES}",
                    headers={"Authorization": TOKEN, "X-Entente-Test": "spec/castle_spec.rb:7"},
                )
                assert answer.status_code == 200
            assert client.get("/castles", params={"region": "Normandie"}).status_code == 200
    finally:
        assert mock.stop() == 0, mock.stderr.text
    assert "Stopped. Recorded 4 request(s); 4 written" in mock.stderr.text

    with Store.open(entente_home / "store", readonly=True) as store:
        interactions = {i.operation_id: i for i in store.interactions.list()}
    assert set(interactions) == {"getCastle", "listCastles"}
    get = interactions["getCastle"]
    assert get.count == 3
    assert (get.consumer, get.provider, get.provider_version) == (
        "unknown-consumer",
        "castle-service",
        "1.0.0",
    )
    assert get.test_id == "spec/castle_spec.rb:7"
    assert get.request.headers["authorization"] == REDACTED
    assert "x-entente-test" not in get.request.headers
    assert get.response.status == 200
    assert get.response.body["name"] == "Château de Versailles"
    assert get.match.source == "example"
    assert TOKEN.split()[1] not in get.model_dump_json()
    assert interactions["listCastles"].request.query == {"region": ["Normandie"]}


def test_a_locked_store_keeps_recordings_in_memory_until_it_is_free(
    entente_home: Path, tmp_path: Path
) -> None:
    holder = Store.open(entente_home / "store")  # another writer holds the lock
    mock = MockProcess.start(str(CASTLE), "--record", home=entente_home, cwd=tmp_path)
    try:
        assert httpx.get(f"{mock.url}/castles", timeout=30).status_code == 200
        warning = mock.stderr.wait_for("warning: recording: cannot write to the store")
        assert "keeping 1 interaction(s) in memory" in warning
        assert holder.interactions.count() == 0
        holder.close()
        mock.stderr.wait_for("wrote the 1 interaction(s) kept in memory")
    finally:
        if not holder.closed:
            holder.close()
        assert mock.stop() == 0, mock.stderr.text
    with Store.open(entente_home / "store", readonly=True) as store:
        [stored] = store.interactions.list()
    assert stored.operation_id == "listCastles"


def test_attribution_over_http_from_context_and_headers() -> None:
    sink = MemorySink()
    context = RecordingContext(None, "run-42")
    recorder = InteractionCapture(
        "web", "2.0", "castle-service", "1.0.0", "local", sink, context=context
    )
    app = MockApp(MockEngine(load_spec(CASTLE)), recorder=recorder)
    with MockServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        with context.test("tests/test_castles.py::test_list"):
            client.get("/castles")
        client.get("/castles/" + VERSAILLES, headers={"X-Entente-Test": "other-language-test"})
        client.get("/castles/" + VERSAILLES, headers={"X-Entente-Run": "ci-run-7"}, params={"x": 1})
    # stopping the server ran the lifespan shutdown, which flushed the recorder
    attributed = {(i.request.path, i.test_id, i.run_id) for i in sink.interactions()}
    assert attributed == {
        ("/castles", "tests/test_castles.py::test_list", "run-42"),
        (f"/castles/{VERSAILLES}", "other-language-test", "run-42"),
        (f"/castles/{VERSAILLES}", None, "ci-run-7"),
    }
    for interaction in sink.interactions():
        assert not any(name.startswith("x-entente") for name in interaction.request.headers)


V2 = (
    CASTLE.read_text(encoding="utf-8")
    .replace("version: 1.0.0", "version: 2.0.0", 1)
    .replace("Château de Versailles", "Palace of Versailles")
)


def test_swapping_the_engine_under_load_fails_no_request() -> None:
    spec_v1 = load_spec(CASTLE)
    spec_v2 = load_spec_text(V2, "openapi.yaml", base_dir=CASTLE.parent)
    engine_v1 = MockEngine(spec_v1)
    engine_v2 = engine_v1.with_spec(spec_v2)
    sink = MemorySink()
    recorder = InteractionCapture("web", "1", "castle-service", "1.0.0", "local", sink)
    app = MockApp(engine_v1, recorder=recorder)
    names: Counter[str] = Counter()
    failures: list[str] = []
    stop = threading.Event()
    saw = {"Château de Versailles": threading.Event(), "Palace of Versailles": threading.Event()}

    def keep_requesting(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                try:
                    answer = client.get("/castles")
                    name = answer.json()[0]["name"]
                except Exception as exc:  # any failure is what this test counts
                    failures.append(repr(exc))
                    continue
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text}")
                names[name] += 1
                saw[name].set()

    with MockServer(app) as server:
        threads = [threading.Thread(target=keep_requesting, args=(server.url,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            swaps = [(engine_v2, "Palace of Versailles"), (engine_v1, "Château de Versailles")]
            for engine, expected in swaps * 2:
                saw[expected].clear()
                app.engine = engine
                # answers come from the new engine once the requests in flight are done
                assert saw[expected].wait(30), f"no answer from the engine serving {expected}"
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
    assert failures == []
    assert names["Palace of Versailles"] > 0
    assert names["Château de Versailles"] > 0
    recorded = sum(i.count for i in sink.interactions())
    assert recorded == sum(names.values())
