"""`StoreRecords`: the local store, when no daemon runs.

Reads open it read-only (no lock: fine beside a writer). Changes open it as the writer,
waiting a short while for the lock, append the same ``fixture.*`` events the daemon would
(so a daemon started later, or the TUI, sees the history), and flush before closing.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from entente_daemon.client.events import InteractionsDeleted, InteractionsPromoted, event_of
from entente_daemon.errors import StoreError
from entente_daemon.fixtures.drafts import draft_key
from entente_daemon.home import store_dir
from entente_daemon.model import (
    Deployment,
    Environment,
    Event,
    EventKind,
    Fixture,
    FixtureStatus,
    Interaction,
    Release,
    ServiceVersion,
    SpecVersion,
    Verification,
)

from . import deploy_store
from .deploy_answers import decide, matrix
from .deploy_store import SpecUpload, Written
from .errors import FixtureIdError
from .port import Source, SpecTarget
from .store_run import StoreRun

if TYPE_CHECKING:
    from entente_daemon.client.deploy_wire import (
        DeployDecision,
        DeployQuestion,
        ReadinessMatrix,
    )
    from entente_daemon.client.reporter import BackgroundReporter
    from entente_daemon.client.wire import InteractionPage, PruneResult, StoreStats
    from entente_daemon.fixtures.flags import FlagReport
    from entente_daemon.record.sinks import Sink
    from entente_daemon.store import Store

T = TypeVar("T")

#: How long a change waits for another writer (a mock recording, say) to let go.
WRITE_LOCK_TIMEOUT = 3.0
_FIXTURES_REFUSED = "change fixtures"


def current_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def fixture_payload(fixture: Fixture, **extra: Any) -> dict[str, Any]:
    """A ``fixture.*`` event's payload, as the daemon writes it."""
    return {
        "id": fixture.id,
        "provider": fixture.provider,
        "operation_id": fixture.operation_id,
        "status": str(fixture.status),
        **extra,
    }


class StoreRecords:
    """The store at ``path`` (default: the Entente home's). ``lock_timeout``: how long a
    change waits for the writer's lock. Holds nothing open between calls."""

    source: Source = "store"

    def __init__(
        self, path: Path | str | None = None, *, lock_timeout: float = WRITE_LOCK_TIMEOUT
    ) -> None:
        self._path = path
        self.lock_timeout = lock_timeout

    @property
    def path(self) -> Path:
        return Path(self._path) if self._path is not None else store_dir()

    def describe(self) -> str:
        return f"the store at {self.path}"

    def close(self) -> None:
        return None  # nothing is held between calls

    # -- opening ---------------------------------------------------------------------------

    def _read(self, job: Callable[[Store], T]) -> T:
        from entente_daemon.store import Store

        with Store.open(self._path, readonly=True) as store:
            return job(store)

    @contextmanager
    def writing(
        self, *, lock_timeout: float | None = None, refused: str | None = None
    ) -> Iterator[Store]:
        """The store opened as the writer, flushed and closed afterwards. ``refused``: what
        could not be done when the store cannot be opened (the error then says so and
        suggests the daemon); None: the store's own error."""
        from entente_daemon.store import Store

        wait = self.lock_timeout if lock_timeout is None else lock_timeout
        try:
            store = Store.open(self._path, lock_timeout=wait)
        except StoreError as exc:
            if refused is None:
                raise
            raise StoreError(
                f"cannot {refused}: {exc} (or start the daemon: `entente-daemon start`, "
                "and entente will go through it)"
            ) from None
        with store:
            yield store
            store.flush()

    def _write(self, job: Callable[[Store], T]) -> T:
        with self.writing(refused=_FIXTURES_REFUSED) as store:
            return job(store)

    # -- interactions ----------------------------------------------------------------------

    def interactions(
        self,
        *,
        provider: str | None = None,
        consumer: str | None = None,
        test: str | None = None,
        operation: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int | None = None,
    ) -> InteractionPage:
        from entente_daemon.client.filters import InteractionFilter
        from entente_daemon.client.wire import InteractionPage
        from entente_daemon.records.queries import page_interactions

        where = InteractionFilter(
            provider=provider, consumer=consumer, test_id=test, operation_id=operation, kind=kind
        )
        items, total, start = self._read(lambda s: page_interactions(s, where, limit, offset))
        return InteractionPage(items=items, total=total, offset=start, limit=limit)

    def provider_interactions(self, provider: str) -> list[Interaction]:
        return self._read(lambda s: s.interactions.list(provider=provider))

    def add_interactions(
        self, interactions: Sequence[Interaction], fixtures: Sequence[Fixture] = ()
    ) -> int:
        with self.writing() as store:
            return add_records(store, interactions, fixtures)

    def delete_interactions(self, ids: Sequence[str]) -> list[str]:
        def job(store: Store) -> list[str]:
            deleted = store.interactions.delete_many(dict.fromkeys(ids))
            if deleted:
                store.events.append(event_of(InteractionsDeleted(ids=deleted)))
            return deleted

        with self.writing(refused="delete interactions") as store:
            return job(store)

    def promote_interactions(self, ids: Sequence[str]) -> list[Interaction]:
        def job(store: Store) -> list[Interaction]:
            promoted = store.interactions.promote(dict.fromkeys(ids))
            if promoted:
                payload = InteractionsPromoted(ids=[i.id for i in promoted])
                store.events.append(event_of(payload))
            return promoted

        with self.writing(refused="promote interactions") as store:
            return job(store)

    def store_stats(self) -> StoreStats:
        from dataclasses import asdict

        from entente_daemon.client.wire import StoreStats
        from entente_daemon.store.stats import store_stats

        return StoreStats.model_validate(asdict(self._read(store_stats)))

    def prune_store(self, *, retention_days: float | None, dry_run: bool) -> PruneResult:
        from entente_daemon.client.wire import PruneResult
        from entente_daemon.store.bounds import DEFAULT_EXPLORATORY_RETENTION_DAYS

        from .queries import plan_prune

        deleted: list[str] = []
        if dry_run:
            plan = self._read(lambda s: plan_prune(s, retention_days))
        else:
            with self.writing(refused="prune the store") as store:
                plan = plan_prune(store, retention_days)
                deleted = store.interactions.delete_many(plan.ids)
                if deleted:
                    store.events.append(event_of(InteractionsDeleted(ids=deleted)))
        days = DEFAULT_EXPLORATORY_RETENTION_DAYS if retention_days is None else retention_days
        return PruneResult(
            dry_run=dry_run,
            retention_days=days,
            older_runs=plan.older_runs,
            expired=plan.expired,
            deleted=len(deleted),
        )

    def recording_sink(self) -> Sink:
        """A sink holding the store only while it writes (its own, shorter lock wait)."""
        from entente_daemon.record.sinks import LocalStoreSink

        return LocalStoreSink(self._path)

    # -- fixtures --------------------------------------------------------------------------

    def fixtures(
        self, provider: str | None = None, status: FixtureStatus | None = None
    ) -> list[Fixture]:
        return self._read(lambda s: s.fixtures.list(provider=provider, status=status))

    @staticmethod
    def _get(store: Store, fixture_id: str) -> Fixture:
        found = store.fixtures.get(fixture_id)
        if found is None:
            raise FixtureIdError(f"no fixture {fixture_id!r} (it was deleted meanwhile?)")
        return found

    def approve(self, fixture_id: str, by: str | None) -> Fixture:
        def job(store: Store) -> Fixture:
            self._get(store, fixture_id)
            updated = store.fixtures.set_status(fixture_id, FixtureStatus.APPROVED, by=by)
            kind = EventKind.FIXTURE_APPROVED
            payload = fixture_payload(updated, by=by, note=None)
            store.events.append(Event(kind=kind, payload=payload))
            return updated

        return self._write(job)

    def reject(self, fixture_id: str, note: str | None) -> Fixture:
        def job(store: Store) -> Fixture:
            current = self._get(store, fixture_id)
            updated = current.model_copy(
                update={
                    "status": FixtureStatus.REJECTED,
                    "notes": note if note is not None else current.notes,
                    "approved_by": None,
                    "approved_at": None,
                }
            )
            store.fixtures.update(updated)
            payload = fixture_payload(updated, by=current_user(), note=note)
            store.events.append(Event(kind=EventKind.FIXTURE_REJECTED, payload=payload))
            return updated

        return self._write(job)

    def set_notes(self, fixture_id: str, notes: str | None) -> Fixture:
        def job(store: Store) -> Fixture:
            updated = self._get(store, fixture_id).model_copy(update={"notes": notes})
            store.fixtures.update(updated)
            return updated

        return self._write(job)

    def check_fixtures(self, provider: str, target: SpecTarget) -> FlagReport:
        from entente_daemon.fixtures.flags import appending, flag_fixtures, spec_label

        from .spec_target import load_target

        spec, where, version = load_target(provider, target, self._path)
        label = spec_label(where, version)

        def job(store: Store) -> FlagReport:
            emit = appending(store)
            return flag_fixtures(
                store, emit, spec, provider, version=version, checked_against=label
            )

        return self._write(job)

    # -- verifications, deployments, specs, test events ------------------------------------

    def verifications(self, provider: str | None = None) -> list[Verification]:
        return self._read(lambda s: s.verifications.list(provider=provider))

    def verification_run(self) -> StoreRun:
        return StoreRun(self)

    def deployments(
        self, service: str | None = None, environment: str | None = None
    ) -> list[Deployment]:
        return self._read(lambda s: s.deployments.list(service=service, environment=environment))

    # -- what runs where ------------------------------------------------------------------

    def _deploy_write(self, job: Callable[[Store], Written[T]], what: str) -> T:
        with self.writing(refused=what) as store:
            written = job(store)
            for payload in written.events:
                store.events.append(event_of(payload))
            return written.value

    def environments(self) -> list[Environment]:
        return self._read(deploy_store.environments)

    def create_environment(self, name: str, *, production: bool = False) -> Environment:
        with self.writing(refused="create an environment") as store:
            return deploy_store.create_environment(store, name, production)

    def register_version(self, version: ServiceVersion) -> ServiceVersion:
        with self.writing(refused="register a service version") as store:
            return deploy_store.register_version(store, version)

    def service_versions(self, service: str | None = None) -> list[ServiceVersion]:
        return self._read(lambda s: s.service_versions.list(service=service))

    def upload_spec(self, spec: SpecVersion, *, force: bool = False) -> SpecUpload:
        with self.writing(refused="upload a spec") as store:
            return deploy_store.upload_spec(store, spec, force=force)

    def record_deployment(self, deployment: Deployment) -> Deployment:
        return self._deploy_write(
            lambda s: deploy_store.record_deployment(s, deployment), "record a deployment"
        )

    def undeploy(self, service: str, environment: str, *, by: str | None = None) -> Deployment:
        return self._deploy_write(
            lambda s: deploy_store.undeploy(s, service, environment, by), "record an undeployment"
        )

    def record_release(self, release: Release) -> Release:
        return self._deploy_write(
            lambda s: deploy_store.record_release(s, release), "record a release"
        )

    def end_support(self, service: str, version: str, environment: str) -> Release:
        return self._deploy_write(
            lambda s: deploy_store.end_support(s, service, version, environment),
            "record the end of support",
        )

    def releases(self, service: str | None = None, environment: str | None = None) -> list[Release]:
        return self._read(lambda s: s.releases.list(service=service, environment=environment))

    def can_i_deploy(self, question: DeployQuestion) -> DeployDecision:
        return decide(self._read(deploy_store.gather_facts), question)

    def readiness(self, environment: str, compatibility: str = "none") -> ReadinessMatrix:
        return matrix(self._read(deploy_store.gather_facts), environment, compatibility)

    def latest_spec(self, service: str) -> SpecVersion | None:
        return self._read(lambda s: s.spec_versions.latest(service))

    def spec_version(self, service: str, version: str) -> SpecVersion | None:
        return self._read(lambda s: s.spec_versions.get_version(service, version))

    def spec_versions(self, service: str) -> list[SpecVersion]:
        return self._read(lambda s: s.spec_versions.list_versions(service))

    def events_since(self, seq: int = 0, limit: int = 100) -> list[Event]:
        return self._read(lambda s: s.events.since(seq, limit))

    def test_reporter(self) -> BackgroundReporter | None:
        return None


def new_fixtures(store: Store, fixtures: Sequence[Fixture]) -> list[Fixture]:
    """Those whose `draft_key` is not stored yet for their provider (nor repeated): the
    same key the daemon dedups drafts by."""
    known: dict[str, set[str]] = {}
    fresh: list[Fixture] = []
    for fixture in fixtures:
        hashed = fixture if fixture.content_hash else fixture.with_hash()
        if hashed.provider not in known:
            known[hashed.provider] = {
                draft_key(f) for f in store.fixtures.list(provider=hashed.provider)
            }
        key = draft_key(hashed)
        if key in known[hashed.provider]:
            continue
        known[hashed.provider].add(key)
        fresh.append(hashed)
    return fresh


def add_records(
    store: Store, interactions: Sequence[Interaction], fixtures: Sequence[Fixture]
) -> int:
    """Add the records to an open writer store; how many fixtures were new."""
    store.interactions.add_many(interactions)
    fresh = new_fixtures(store, fixtures)
    for fixture in fresh:
        store.fixtures.add(fixture)
    return len(fresh)
