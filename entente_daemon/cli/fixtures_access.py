"""Where ``entente fixtures`` reads and changes fixtures: the daemon when it runs (it owns the
store and tells every listener), else the local store.

Reads from the store open it read-only (no lock). Changes open it as the writer, waiting a
short while for the lock, and append the same ``fixture.*`` events the daemon would, so a
daemon started later, or the TUI, sees the history.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, Protocol, TypeVar

from entente_daemon.client import DaemonClient
from entente_daemon.errors import EntenteError, StoreError
from entente_daemon.model import Event, EventKind, Fixture, FixtureStatus
from entente_daemon.store import Store

Source = Literal["daemon", "store"]
T = TypeVar("T")

WRITE_LOCK_TIMEOUT = 3.0


class FixtureIdError(EntenteError):
    """An id (or prefix) names no fixture, or more than one."""


class FixtureAccess(Protocol):
    source: Source

    def all(
        self, provider: str | None = None, status: FixtureStatus | None = None
    ) -> list[Fixture]:
        """Every fixture matching, oldest first."""
        ...

    def approve(self, id: str, by: str | None) -> Fixture: ...

    def reject(self, id: str, note: str | None) -> Fixture: ...

    def set_notes(self, id: str, notes: str | None) -> Fixture: ...


def current_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


class DaemonAccess:
    source: Source = "daemon"

    def __init__(self, client: DaemonClient) -> None:
        self.client = client

    def all(
        self, provider: str | None = None, status: FixtureStatus | None = None
    ) -> list[Fixture]:
        return self.client.fixtures(provider=provider, status=status)

    def approve(self, id: str, by: str | None) -> Fixture:
        return self.client.approve(id, by=by)

    def reject(self, id: str, note: str | None) -> Fixture:
        return self.client.reject(id, note=note)

    def set_notes(self, id: str, notes: str | None) -> Fixture:
        return self.client.set_fixture_notes(id, notes)


def _payload(fixture: Fixture, **extra: Any) -> dict[str, Any]:
    return {
        "id": fixture.id,
        "provider": fixture.provider,
        "operation_id": fixture.operation_id,
        "status": str(fixture.status),
        **extra,
    }


class StoreAccess:
    source: Source = "store"

    def all(
        self, provider: str | None = None, status: FixtureStatus | None = None
    ) -> list[Fixture]:
        with Store.open(readonly=True) as store:
            return store.fixtures.list(provider=provider, status=status)

    def _write(self, job: Callable[[Store], T]) -> T:
        try:
            store = Store.open(lock_timeout=WRITE_LOCK_TIMEOUT)
        except StoreError as exc:
            raise StoreError(
                f"cannot change fixtures: {exc} (or start the daemon: `entente-daemon start`, "
                "and entente will go through it)"
            ) from None
        with store:
            result = job(store)
            store.flush()
            return result

    def _get(self, store: Store, id: str) -> Fixture:
        found = store.fixtures.get(id)
        if found is None:
            raise FixtureIdError(f"no fixture {id!r} (it was deleted meanwhile?)")
        return found

    def approve(self, id: str, by: str | None) -> Fixture:
        def job(store: Store) -> Fixture:
            self._get(store, id)
            updated = store.fixtures.set_status(id, FixtureStatus.APPROVED, by=by)
            kind = EventKind.FIXTURE_APPROVED
            store.events.append(Event(kind=kind, payload=_payload(updated, by=by, note=None)))
            return updated

        return self._write(job)

    def reject(self, id: str, note: str | None) -> Fixture:
        def job(store: Store) -> Fixture:
            current = self._get(store, id)
            updated = current.model_copy(
                update={
                    "status": FixtureStatus.REJECTED,
                    "notes": note if note is not None else current.notes,
                    "approved_by": None,
                    "approved_at": None,
                }
            )
            store.fixtures.update(updated)
            payload = _payload(updated, by=current_user(), note=note)
            store.events.append(Event(kind=EventKind.FIXTURE_REJECTED, payload=payload))
            return updated

        return self._write(job)

    def set_notes(self, id: str, notes: str | None) -> Fixture:
        def job(store: Store) -> Fixture:
            updated = self._get(store, id).model_copy(update={"notes": notes})
            store.fixtures.update(updated)
            return updated

        return self._write(job)


@contextmanager
def fixture_access() -> Iterator[FixtureAccess]:
    """The daemon's fixtures when it runs, else the local store's."""
    client = DaemonClient.discover()
    if client is None:
        yield StoreAccess()
        return
    with client:
        yield DaemonAccess(client)


def resolve(fixtures: list[Fixture], ref: str) -> Fixture:
    """The fixture whose id is ``ref`` or, failing that, the only one it begins with."""
    ref = ref.strip()
    if not ref:
        raise FixtureIdError("an empty fixture id; see `entente fixtures list` for the ids")
    for fixture in fixtures:
        if fixture.id == ref:
            return fixture
    matches = [f for f in fixtures if f.id.startswith(ref)]
    if not matches:
        raise FixtureIdError(
            f"no fixture has an id starting with {ref!r}; see `entente fixtures list`"
        )
    if len(matches) > 1:
        shown = ", ".join(f.id for f in matches[:5]) + (", ..." if len(matches) > 5 else "")
        raise FixtureIdError(
            f"{ref!r} is the start of {len(matches)} fixture ids ({shown}); give more characters"
        )
    return matches[0]
