"""Verifying the same answer twice proposes one draft: the drafts leave out what changes from
one request or answer to the next (request ids, trace headers, dates, the client's own
headers), so the second run's draft has the first's content hash and is not stored again."""

from __future__ import annotations

from pathlib import Path

from entente_daemon.model import HttpRequest, HttpResponse, VerificationResult
from entente_daemon.records.store import StoreRecords
from entente_daemon.verify.results import draft_fixtures
from entente_daemon.verify.runner import Outcome
from tests.daemon.conftest import interaction


def outcome(n: int) -> Outcome:
    """The one GET, verified in run ``n``: the same answer, its volatile headers new."""
    recorded = interaction(1, test_id="tests/test_castles.py::test_get")
    sent = HttpRequest(
        method="GET",
        path="/castles/1",
        headers={
            "accept": "application/json",
            "user-agent": f"python-httpx/0.{n}",
            "x-request-id": f"req-{n}",
            "traceparent": f"00-{n:032x}-{n:016x}-01",
        },
    )
    actual = HttpResponse(
        status=200,
        headers={
            "content-type": "application/json",
            "date": f"Tue, 0{n} Dec 2026 08:00:00 GMT",
            "etag": f'"v{n}"',
            "x-request-id": f"req-{n}",
            "x-response-time": f"{n}ms",
        },
        body={"id": 1, "name": "castle 1"},
    )
    result = VerificationResult(interaction_id=recorded.id, operation_id="getCastle", ok=True)
    return Outcome(interaction=recorded, result=result, sent=sent, actual=actual)


def test_the_same_answer_twice_makes_one_draft(tmp_path: Path) -> None:
    first = draft_fixtures("castle-service", "2.0.0", [outcome(1)], ())
    second = draft_fixtures("castle-service", "2.0.0", [outcome(2)], ())
    assert [f.content_hash for f in first] == [f.content_hash for f in second]
    [draft] = first
    assert draft.request.headers == {"accept": "application/json"}
    assert draft.response.headers == {"content-type": "application/json"}
    # Within one run too, and against what is stored: the store adds it once.
    assert len(draft_fixtures("castle-service", "2.0.0", [outcome(3), outcome(4)], ())) == 1
    records = StoreRecords(tmp_path / "store")
    assert records.add_interactions([], first) == 1
    assert records.add_interactions([], second) == 0, "the second run's draft is not added"
    assert len(records.fixtures(provider="castle-service")) == 1
