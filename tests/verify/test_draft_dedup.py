"""Verifying the same answer twice proposes one draft: the drafts leave out what changes from
one request or answer to the next (request ids, trace headers, dates, the client's own
headers), and their dedup key (`draft_key`) the ids and times the provider or a state handler
makes per run; an answer that really changed (status, a field, a value) is a new draft."""

from __future__ import annotations

from pathlib import Path

from entente_daemon.fixtures.drafts import draft_key
from entente_daemon.model import Fixture, HttpRequest, HttpResponse, VerificationResult
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


CREATED = {"name": "Château de Chambord", "region": "Centre-Val de Loire", "yearBuilt": 1519}


def created(
    castle_id: str = "62a0006d-0620-4d44-af9b-6cbda44d5b34",
    *,
    status: int = 201,
    at: str = "2026-12-02T08:00:00Z",
    **changes: object,
) -> Outcome:
    """A ``createCastle`` verified: the provider made the castle under ``castle_id``."""
    recorded = interaction(
        2,
        test_id="tests/test_castles.py::test_create",
        operation_id="createCastle",
        request=HttpRequest(method="POST", path="/castles", body=CREATED),
    )
    body = {"id": castle_id, **CREATED, "createdAt": at, "ownerId": 7, **changes}
    actual = HttpResponse(
        status=status,
        headers={"content-type": "application/json", "location": f"/castles/{castle_id}"},
        body={k: v for k, v in body.items() if v is not None},
    )
    result = VerificationResult(interaction_id=recorded.id, operation_id="createCastle", ok=True)
    return Outcome(interaction=recorded, result=result, sent=recorded.request, actual=actual)


def got(castle_id: str, name: str = "castle 1") -> Outcome:
    """A ``getCastle`` whose id a state handler replaced (the castle was made again)."""
    recorded = interaction(1, test_id="tests/test_castles.py::test_get")
    sent = HttpRequest(method="GET", path=f"/castles/{castle_id}")
    actual = HttpResponse(status=200, body={"id": castle_id, "name": name})
    result = VerificationResult(interaction_id=recorded.id, operation_id="getCastle", ok=True)
    return Outcome(interaction=recorded, result=result, sent=sent, actual=actual)


def one_draft(outcome: Outcome) -> Fixture:
    [draft] = draft_fixtures("castle-service", "2.0.0", [outcome], ())
    return draft


def test_ids_and_times_made_per_run_do_not_make_a_new_draft() -> None:
    first = one_draft(created())
    again = one_draft(created("a6deaa8c-fa66-4425-acbe-c4b894a1de5a", at="2026-12-03T09:30:12Z"))
    assert first.content_hash != again.content_hash  # the answers do differ
    assert draft_key(first) == draft_key(again)
    assert (
        draft_fixtures(
            "castle-service", "2.0.0", [created("a6deaa8c-fa66-4425-acbe-c4b894a1de5a")], [first]
        )
        == []
    )
    other_uuid = "eb9a46e2-e861-4b8c-b5aa-5aea63f246a7"
    assert draft_key(one_draft(got("3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"))) == draft_key(
        one_draft(got(other_uuid))
    ), "an id a state handler substituted, in the path and the answer"
    assert draft_key(one_draft(got("41"))) == draft_key(one_draft(got("42")))


def test_an_answer_that_really_changed_is_a_new_draft() -> None:
    key = draft_key(one_draft(created()))
    changed = {
        "another status": created(status=200),
        "a field added": created(moat=True),
        "a field removed": created(yearBuilt=None),
        "a value changed": created(region="Loire"),
        "a number that is not an id": created(yearBuilt=1520),
        "an id's type": created(ownerId="7"),
    }
    for what, outcome in changed.items():
        assert draft_key(one_draft(outcome)) != key, what
    assert draft_key(one_draft(got("42", "castle 1"))) != draft_key(one_draft(got("43", "other")))


def test_the_store_keeps_the_first_draft_and_adds_a_changed_one(tmp_path: Path) -> None:
    records = StoreRecords(tmp_path / "store")
    first = one_draft(created())
    assert records.add_interactions([], [first]) == 1
    again = one_draft(created("a6deaa8c-fa66-4425-acbe-c4b894a1de5a"))
    assert records.add_interactions([], [again]) == 0, "the same answer, new ids"
    [kept] = records.fixtures(provider="castle-service")
    assert (kept.id, kept.content_hash) == (first.id, first.content_hash), "kept, not replaced"
    assert records.add_interactions([], [one_draft(created(region="Loire"))]) == 1
