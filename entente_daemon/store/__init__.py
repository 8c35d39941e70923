"""The store: Entente's records on this workstation, in TinyDB, never left corrupt.

Why it is built this way:

* A recording mock writes thousands of records a second, and TinyDB's own storage
  rewrites the whole file on every change. So the tables live in memory and each change
  is appended to a journal (one checksummed JSON line); a background thread syncs the
  journal in batches (group commit), so a change is durable within ``flush_interval``.
* A ``kill -9`` may land anywhere. The journal is append-only and a torn last line fails
  its checksum and is skipped; the snapshot is only ever replaced by rename after fsync.
  Opening = snapshot + replay of newer journal lines, skipping sequence numbers the
  snapshot holds, so a crash half-way through a compaction replays harmlessly.
* Compaction (a new snapshot, then a new journal generation) happens once the journal
  outgrows the last snapshot, so its cost stays proportional to what was written.
* Several processes share one home: an ``flock`` admits one writer at a time; readers
  take no lock and re-read if a compaction replaced the snapshot under them.
* A failed write (disk full) loses nothing: the changes stay buffered and are retried.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from ..errors import StoreError
from ..home import store_dir
from .bounds import BoundsPolicy
from .deploy_repositories import (
    DeploymentRepository,
    EnvironmentRepository,
    ReleaseRepository,
    ServiceVersionRepository,
)
from .engine import DEFAULT_COMPACT_MIN_BYTES, DEFAULT_FLUSH_INTERVAL, Engine
from .outbox import OutboxRepository
from .repositories import (
    EventRepository,
    FixtureRepository,
    InteractionRepository,
    ServiceRepository,
    SpecVersionRepository,
    VerificationRepository,
)

__all__ = [
    "BoundsPolicy",
    "DeploymentRepository",
    "EnvironmentRepository",
    "ReleaseRepository",
    "ServiceVersionRepository",
    "EventRepository",
    "FixtureRepository",
    "InteractionRepository",
    "OutboxRepository",
    "ServiceRepository",
    "SpecVersionRepository",
    "Store",
    "StoreError",
    "VerificationRepository",
]

DEFAULT_LOCK_TIMEOUT = 10.0


class Store:
    """Entente's store: one repository per entity, ``with Store.open() as store: ...``.

    A writer holds the store's lock until ``close()``; a read-only store sees the state of
    the moment it was opened (or last ``reload()``-ed) and may be opened while a writer runs.
    A repository call's change is in memory when it returns and durable within
    ``flush_interval`` seconds, or once ``flush()`` returns.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        readonly: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        compact_min_bytes: int = DEFAULT_COMPACT_MIN_BYTES,
        compact_on_close: bool = True,
        bounds: BoundsPolicy | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else store_dir()
        self._engine = Engine(
            self.path,
            readonly=readonly,
            lock_timeout=lock_timeout,
            flush_interval=flush_interval,
            compact_min_bytes=compact_min_bytes,
            compact_on_close=compact_on_close,
        )
        self.services = ServiceRepository(self._engine)
        self.spec_versions = SpecVersionRepository(self._engine)
        self.interactions = InteractionRepository(self._engine, bounds)
        self.fixtures = FixtureRepository(self._engine)
        self.verifications = VerificationRepository(self._engine)
        self.deployments = DeploymentRepository(self._engine)
        self.environments = EnvironmentRepository(self._engine)
        self.service_versions = ServiceVersionRepository(self._engine)
        self.releases = ReleaseRepository(self._engine)
        self.events = EventRepository(self._engine)
        # What to send to the broker, queued in the very write that stores a record.
        self.outbox = OutboxRepository(self._engine)
        self._engine.observer = self.outbox.observe

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        readonly: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        compact_min_bytes: int = DEFAULT_COMPACT_MIN_BYTES,
        compact_on_close: bool = True,
        bounds: BoundsPolicy | None = None,
    ) -> Store:
        """Open the store at ``path`` (default: ``$ENTENTE_HOME/store``).

        A writer waits up to ``lock_timeout`` seconds for another writer to close, then
        raises ``StoreError`` naming that process. ``compact_min_bytes`` is the journal
        size below which no compaction happens (it also waits for the journal to outgrow
        the last snapshot). ``bounds``: how many interactions to keep per bucket
        (`store.bounds`; default 20).
        """
        return cls(
            path,
            readonly=readonly,
            lock_timeout=lock_timeout,
            flush_interval=flush_interval,
            compact_min_bytes=compact_min_bytes,
            compact_on_close=compact_on_close,
            bounds=bounds,
        )

    @property
    def readonly(self) -> bool:
        return self._engine.readonly

    @property
    def closed(self) -> bool:
        return self._engine.closed

    @property
    def pending(self) -> int:
        """Changes made but not yet durable (waiting for the next flush, or a retry)."""
        return self._engine.pending

    @property
    def writable(self) -> bool:
        """Whether changes become durable now: false from a failed write until the store
        has written a snapshot of everything again."""
        return self._engine.writable

    @property
    def pending_bytes(self) -> int:
        """The size of the changes not yet durable."""
        return self._engine.pending_bytes

    @property
    def last_error(self) -> StoreError | None:
        """The error of the last flush when it failed; None once a flush succeeds."""
        return self._engine.last_error

    def flush(self) -> None:
        """Make every change so far durable; ``StoreError`` when the disk refuses it."""
        self.interactions.save_counters()
        self._engine.flush()

    def compact(self) -> None:
        """Write a fresh snapshot now (normally done in the background and on close)."""
        self._engine.compact()

    def reload(self) -> None:
        """Read-only stores: catch up with what the writer has made durable since."""
        if not self.readonly:
            raise StoreError(f"{self.path}: only a read-only store reloads")
        self._engine.reload()

    def close(self) -> None:
        """Flush, compact and release the lock. Raises ``StoreError`` (and stays open, its
        changes still pending) when the final flush fails; ``close()`` again retries."""
        if not self.closed:
            self.interactions.save_counters()
        self._engine.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.readonly else "writer"
        state = "closed" if self.closed else "open"
        return f"<Store {self.path} {mode} {state}>"
