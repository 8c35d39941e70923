"""The Fixtures screen's bookkeeping: decisions folded in place, anything else a reload."""

from __future__ import annotations

from entente_daemon.model import Event, EventKind, FixtureStatus
from entente_tui.screens.fixture_book import FixtureBook

from .fixtures_helpers import castle_fixture


def event(kind: EventKind, **payload: object) -> Event:
    return Event(kind=kind, payload=payload)


def test_decisions_move_fixtures_between_lists() -> None:
    first, second = castle_fixture("One", n=1), castle_fixture("Two", n=2)
    book = FixtureBook()
    book.replace([first, second])
    assert book.counts() == {"pending": 2, "approved": 0, "rejected": 0}

    changed, reload = book.fold([event(EventKind.FIXTURE_APPROVED, id=first.id)])
    assert (changed, reload) == (True, False)
    assert [f.id for f in book.in_list("approved")] == [first.id]

    changed, reload = book.fold([event(EventKind.FIXTURE_REJECTED, id=second.id, note="no")])
    assert (changed, reload) == (True, False)
    rejected = book.get(second.id)
    assert rejected is not None
    assert (rejected.status, rejected.notes) == (FixtureStatus.REJECTED, "no")

    # Said twice (our own decision, then its event): nothing changes the second time.
    assert book.fold([event(EventKind.FIXTURE_APPROVED, id=first.id)]) == (False, False)


def test_new_unknown_and_flagged_fixtures_need_a_reload() -> None:
    book = FixtureBook()
    assert book.fold([event(EventKind.FIXTURE_CREATED, id="new")]) == (False, True)
    assert book.fold([event(EventKind.FIXTURE_APPROVED, id="unknown")]) == (False, True)
    assert book.fold([event(EventKind.INTERACTION_RECORDED, id="x")]) == (False, False)
