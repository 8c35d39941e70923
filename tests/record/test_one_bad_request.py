"""One bad request never loses a batch: a request body nested ~900 levels deep among 100
good requests, through ``entente mock --record`` and through a mock the daemon hosts. All
101 are stored; the deep body is kept as text, with a note saying so. Also: a huge body and
a huge header are stored cut, and a sink refusing one interaction keeps the others."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import httpx

from entente_daemon.model import Interaction
from entente_daemon.record import MemorySink, Redaction
from entente_daemon.record.bounds import TRUNCATED, Limits
from entente_daemon.record.sinks import Unrecordable
from entente_daemon.store import Store
from tests.daemon.castle_project import castle_project
from tests.daemon.conftest import Daemon, wait_for
from tests.mock.serving import CASTLE, MockProcess

from .factory import answered, recorder

DEPTH = 900
GOOD = 100


def deep_body(depth: int = DEPTH) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def send_batch(url: str) -> None:
    """100 distinct good requests with the deep one in their midst, as fast as they go.
    Each from a test of its own: the store keeps a bounded number of distinct interactions
    per operation, status and test, and this is about none being lost, not that bound."""
    with httpx.Client(base_url=url, timeout=30) as client:
        for n in range(GOOD):
            if n == GOOD // 2:
                answer = client.post(
                    "/castles",
                    content=deep_body(),
                    headers={"content-type": "application/json"},
                )
                assert answer.status_code == 400, answer.text
            test = {"x-entente-test": f"tests/test_batch.py::test_{n}"}
            listed = client.get("/castles", params={"region": f"r{n}"}, headers=test)
            assert listed.status_code == 200


def check_stored(interactions: list[Interaction]) -> None:
    regions = {i.request.query.get("region", [""])[0] for i in interactions}
    assert {f"r{n}" for n in range(GOOD)} <= regions
    [deep] = [i for i in interactions if i.request.method == "POST"]
    assert deep.response.status == 400
    assert isinstance(deep.request.body, str)
    assert deep.request.body.startswith('{"a":{"a":')
    assert any("nested deeper than" in note for note in deep.notes)
    assert len(interactions) == GOOD + 1


def test_a_deep_body_in_a_batch_through_entente_mock_record(
    entente_home: Path, tmp_path: Path
) -> None:
    mock = MockProcess.start(str(CASTLE), "--record", home=entente_home, cwd=tmp_path)
    try:
        send_batch(mock.url)
    finally:
        assert mock.stop() == 0, mock.stderr.text
    assert f"Recorded {GOOD + 1} request(s); {GOOD + 1} written" in mock.stderr.text
    assert "Traceback" not in mock.stderr.text
    with Store.open(entente_home / "store", readonly=True) as store:
        check_stored(store.interactions.list())


def test_a_deep_body_in_a_batch_through_a_daemon_hosted_mock(home: Path, tmp_path: Path) -> None:
    daemon = Daemon(home)
    project = castle_project(tmp_path)
    daemon.start()
    try:
        with daemon.client() as client:
            client.attach_project(project.config)
            wait_for(lambda: any(m.url for m in client.mocks()), what="the mock to serve")
            send_batch(project.url)

            def all_stored() -> bool:
                page = client.interactions(provider="castle-service", limit=1000)
                return len(page.items) >= GOOD + 1

            wait_for(all_stored, what=f"{GOOD + 1} interactions in the daemon's store")
            check_stored(client.interactions(provider="castle-service", limit=1000).items)
    finally:
        daemon.ensure_gone()


def test_a_huge_body_and_header_are_stored_cut_with_notes() -> None:
    sink = MemorySink()
    limits = Limits(max_body_bytes=1000, max_header_bytes=100)
    rec = recorder(sink, redact=Redaction(limits=limits))
    rec.record(
        *answered(
            "/castles",
            method="POST",
            body={"items": ["x" * 100] * 50},
            headers=(("x-trace", "t" * 500),),
        ),
        0.001,
    )
    assert rec.close() == []
    [stored] = sink.interactions()
    assert isinstance(stored.request.body, str)
    assert stored.request.body.endswith(TRUNCATED)
    assert len(stored.request.body.encode()) <= 1000 + len(TRUNCATED)
    assert stored.request.headers["x-trace"] == "t" * 100 + TRUNCATED
    assert len(stored.notes) == 2
    json.dumps(stored.to_json())


class RefusingSink(MemorySink):
    """Refuses one path (as the daemon refuses an interaction it cannot store)."""

    def write(self, interactions: Sequence[Interaction]) -> None:
        bad = {i.content_hash: "cannot store" for i in interactions if i.request.path == "/bad"}
        super().write([i for i in interactions if i.content_hash not in bad])
        if bad:
            raise Unrecordable(bad)


def test_an_interaction_a_sink_refuses_takes_no_other_with_it() -> None:
    sink = RefusingSink()
    warnings: list[str] = []
    rec = recorder(sink, warn=warnings.append)
    for path in ("/a", "/bad", "/b"):
        rec.record(*answered(path), 0.001)
    assert rec.close() == []
    assert sorted(i.request.path for i in sink.interactions()) == ["/a", "/b"]
    assert rec.unrecordable == 1
    assert rec.written == 2
    [warning] = warnings
    assert "cannot record GET /bad" in warning
