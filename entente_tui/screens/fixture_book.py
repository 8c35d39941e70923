"""What the Fixtures screen knows: every fixture by id, the three lists they fall in, and
decisions folded in as they are made or announced. Pure: no widgets, no daemon."""

from __future__ import annotations

from collections.abc import Iterable

from entente_daemon.client.events import (
    FixtureApproved,
    FixtureCreated,
    FixtureDecided,
    parse_payload,
)
from entente_daemon.model import Event, EventKind, Fixture, FixtureStatus

#: list name -> the status of its fixtures, in the order ``s`` cycles through them
STATUS_OF = {
    "pending": FixtureStatus.DRAFT,
    "approved": FixtureStatus.APPROVED,
    "rejected": FixtureStatus.REJECTED,
}


def plural(count: int, word: str = "fixture") -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def describe_targets(fixtures: list[Fixture]) -> str:
    if len(fixtures) == 1:
        f = fixtures[0]
        return f"the {f.provider} › {f.operation_id} fixture {f.id[:8]}"
    return plural(len(fixtures))


def is_fixture_event(event: Event) -> bool:
    return isinstance(event.kind, EventKind) and event.kind.value.startswith("fixture.")


class FixtureBook:
    def __init__(self) -> None:
        self.fixtures: dict[str, Fixture] = {}

    def replace(self, fixtures: Iterable[Fixture]) -> None:
        self.fixtures = {f.id: f for f in fixtures}

    def put(self, fixture: Fixture) -> None:
        self.fixtures[fixture.id] = fixture

    def get(self, fixture_id: str) -> Fixture | None:
        return self.fixtures.get(fixture_id)

    def in_list(self, name: str) -> tuple[Fixture, ...]:
        status = STATUS_OF[name]
        return tuple(f for f in self.fixtures.values() if f.status is status)

    def counts(self) -> dict[str, int]:
        return {name: len(self.in_list(name)) for name in STATUS_OF}

    def fold(self, events: Iterable[Event]) -> tuple[bool, bool]:
        """Fold fixture events in: (something changed, a reload is needed). A decision on a
        known fixture changes it in place; anything else (a new fixture, a flag, a fixture
        not known yet) needs the daemon's list."""
        changed = reload = False
        for event in events:
            if not is_fixture_event(event):
                continue
            payload = parse_payload(event)
            known = self.fixtures.get(payload.id) if isinstance(payload, FixtureCreated) else None
            if not isinstance(payload, FixtureDecided) or known is None:
                reload = True
            else:
                status = (
                    FixtureStatus.APPROVED
                    if isinstance(payload, FixtureApproved)
                    else FixtureStatus.REJECTED
                )
                changed |= self._decided(known, status, payload.note)
        return changed, reload

    def _decided(self, fixture: Fixture, status: FixtureStatus, note: object) -> bool:
        update: dict[str, object] = {"status": status}
        if status is FixtureStatus.REJECTED and isinstance(note, str):
            update["notes"] = note  # the daemon stores a rejection's note as the notes
        if fixture.status is status and "notes" not in update:
            return False
        self.fixtures[fixture.id] = fixture.model_copy(update=update)
        return True
