"""Where ``entente fixtures`` reads and changes fixtures: the daemon when it runs (it owns the
store and tells every listener), else the local store.

Reads from the store open it read-only (no lock). Changes open it as the writer, waiting a
short while for the lock, and append the same ``fixture.*`` events the daemon would, so a
daemon started later, or the TUI, sees the history. Rechecking fixtures against a spec
(``check``) is the same job either way (`entente_daemon.fixtures.flags`): the daemon
runs it on ``POST /v1/fixtures/check``, reading the spec itself; without one it runs here.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import httpx

from entente_daemon.client import DaemonClient, DaemonUnavailable
from entente_daemon.client.calls import Call
from entente_daemon.client.sync import http_client
from entente_daemon.errors import EntenteError, StoreError
from entente_daemon.fixtures.flags import FlagReport, appending, flag_fixtures, spec_label
from entente_daemon.model import Event, EventKind, Fixture, FixtureStatus
from entente_daemon.openapi import Spec, load_spec, load_spec_text
from entente_daemon.store import Store

Source = Literal["daemon", "store"]
T = TypeVar("T")

WRITE_LOCK_TIMEOUT = 3.0


class FixtureIdError(EntenteError):
    """An id (or prefix) names no fixture, or more than one."""


class NoSpecError(EntenteError):
    """No spec to check a provider's fixtures against."""


@dataclass(frozen=True)
class SpecTarget:
    """The spec to check fixtures against: a file, else the version published to the local
    store (``version`` None: the newest)."""

    path: Path | None = None
    version: str | None = None


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

    def check(self, provider: str, target: SpecTarget) -> FlagReport:
        """Recheck ``provider``'s approved fixtures against the spec; store and announce what
        changed (see `entente_daemon.fixtures.flags`)."""
        ...


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

    def check(self, provider: str, target: SpecTarget) -> FlagReport:
        body: dict[str, Any] = {"provider": provider}
        if target.path is not None:
            body["spec"] = str(target.path.resolve())
        elif target.version is not None:
            body["version"] = target.version
        call = Call("POST", "/v1/fixtures/check", FlagReport.from_json, body=body)
        endpoint = self.client.endpoint
        try:
            with http_client(endpoint, timeout=httpx.Timeout(120.0, connect=5.0)) as http:
                response = http.request(call.method, call.path, json=call.body)
        except httpx.TransportError as exc:
            raise DaemonUnavailable(
                f"the Entente daemon at {endpoint.describe()} does not answer ({exc!r}); "
                "`entente-daemon status` tells more"
            ) from None
        return call.finish(response)


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

    def check(self, provider: str, target: SpecTarget) -> FlagReport:
        spec, where, version = load_target(provider, target)
        label = spec_label(where, version)

        def job(store: Store) -> FlagReport:
            emit = appending(store)
            return flag_fixtures(
                store, emit, spec, provider, version=version, checked_against=label
            )

        return self._write(job)


def load_target(provider: str, target: SpecTarget) -> tuple[Spec, str, str]:
    """The spec ``target`` names, where it was read from, and its version."""
    if target.path is not None:
        spec = load_spec(target.path, validate=False)
        return spec, str(target.path.resolve()), spec.version
    with Store.open(readonly=True) as store:
        if target.version is None:
            found = store.spec_versions.latest(provider)
        else:
            found = store.spec_versions.get_version(provider, target.version)
    if found is None:
        which = f"version {target.version} of {provider}" if target.version else provider
        raise NoSpecError(
            f"no spec of {which} is published to the local store; give a spec file (--spec)"
        )
    name = f"{found.service}@{found.version}"
    spec = load_spec_text(json.dumps(found.spec), f"{name}.json", validate=False)
    return spec, f"{name} (published)", found.version


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
