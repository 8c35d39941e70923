"""Where a recorder's batches go: the store, memory (uploaded later), or nowhere.

A sink's ``write`` is called from the recorder's flusher thread with a batch of interactions,
each already redacted, hashed and de-duplicated within the batch. When ``write`` raises, the
recorder keeps the batch and calls ``write`` again later with it (merged with what came
since), so a sink must make a failed write leave nothing half-done, or be idempotent:
the store's de-duplication by content hash makes ``StoreSink`` both.

One interaction the sink cannot take must not take the others with it: the sink writes the
rest and raises `Unrecordable` naming those it refused (the recorder counts them and says
which), rather than failing the batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from entente_daemon.errors import StoreError
from entente_daemon.home import store_dir
from entente_daemon.model import Interaction
from entente_daemon.store import Store

log = logging.getLogger(__name__)


class Unrecordable(Exception):
    """The sink wrote a batch except these interactions (content hash → why), which it
    cannot take however often it is asked."""

    def __init__(self, refused: dict[str, str]) -> None:
        super().__init__("; ".join(refused.values()))
        self.refused = refused


def describe(interaction: Interaction) -> str:
    """An interaction as a warning or an alert names it (no query, headers or body: they
    may hold what must not be logged)."""
    return (
        f"{interaction.request.method} {interaction.request.path} "
        f"({interaction.consumer} → {interaction.provider}, "
        f"answered {interaction.response.status})"
    )


def add_each(store: Store, interactions: Sequence[Interaction]) -> None:
    """Add a batch to ``store``; when the batch is refused for what one of its documents
    holds (not for the disk), add them one by one and raise `Unrecordable` for those
    refused."""
    try:
        store.interactions.add_many(interactions)
        return
    except StoreError as exc:
        if len(interactions) == 0 or isinstance(exc.__cause__, OSError) or store.last_error:
            raise
    refused: dict[str, str] = {}
    for interaction in interactions:
        try:
            store.interactions.add(interaction)
        except StoreError as exc:
            if isinstance(exc.__cause__, OSError) or store.last_error:
                raise
            refused[interaction.content_hash] = str(exc)
    if refused:
        raise Unrecordable(refused)


class Sink:
    """The interface; the default ``idle`` and ``close`` do nothing.

    ``write_slice``: how many interactions the recorder hands over per ``write`` at most
    (it lets the event loop have the GIL between two): a store takes some 30 µs per
    interaction while holding the GIL, so its slices are small."""

    write_slice: int = 200

    def write(self, interactions: Sequence[Interaction]) -> None:
        raise NotImplementedError

    def idle(self) -> None:
        """Called by the flusher when a tick had nothing to write: release what is held."""

    def close(self) -> None:
        """Called once, after the last ``write``."""

    def describe(self) -> str:
        return type(self).__name__


class NullSink(Sink):
    """Discards everything (recording switched off, or benchmarks of the rest)."""

    def write(self, interactions: Sequence[Interaction]) -> None:
        return None


class MemorySink(Sink):
    """Keeps interactions in memory, de-duplicated by content hash, until taken."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_hash: dict[str, Interaction] = {}

    def write(self, interactions: Sequence[Interaction]) -> None:
        with self._lock:
            for interaction in interactions:
                known = self._by_hash.get(interaction.content_hash)
                self._by_hash[interaction.content_hash] = (
                    interaction if known is None else merge(known, interaction)
                )

    def interactions(self) -> list[Interaction]:
        """What is held, in the order first recorded."""
        with self._lock:
            return list(self._by_hash.values())

    def take(self) -> list[Interaction]:
        """What is held, which is then forgotten (e.g. once uploaded)."""
        with self._lock:
            taken = list(self._by_hash.values())
            self._by_hash.clear()
            return taken

    def __len__(self) -> int:
        return len(self._by_hash)

    def describe(self) -> str:
        return "memory"


class StoreSink(Sink):
    """Adds batches to an open writer `Store` (which de-duplicates by content hash).

    The store's own flusher makes them durable; ``close`` flushes, and closes the store when
    ``close_store`` is true.
    """

    write_slice = 20  # about half a millisecond of the store's work

    def __init__(self, store: Store, *, close_store: bool = False) -> None:
        self.store = store
        self._close_store = close_store

    def write(self, interactions: Sequence[Interaction]) -> None:
        add_each(self.store, interactions)

    def close(self) -> None:
        if self._close_store:
            self.store.close()
        else:
            self.store.flush()

    def describe(self) -> str:
        return f"the store at {self.store.path}"


class LocalStoreSink(Sink):
    """Opens the store in the Entente home as a writer only while there is something to
    write, and closes it once idle for ``idle_close`` seconds, so that a long-running mock
    does not keep other writers (another mock, ``entente fixtures``) locked out.

    Waiting for the lock takes at most ``lock_timeout`` per write; a locked store raises
    ``StoreError`` naming the holder, and the recorder keeps the batch and retries.
    """

    write_slice = 20  # about half a millisecond of the store's work

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        lock_timeout: float = 0.5,
        idle_close: float = 60.0,
    ) -> None:
        self._path = path
        self._lock_timeout = lock_timeout
        self._idle_close = idle_close
        self._store: Store | None = None
        self._last_write = 0.0

    @property
    def path(self) -> Path:
        return Path(self._path) if self._path is not None else store_dir()

    def write(self, interactions: Sequence[Interaction]) -> None:
        store = self.open_store()
        try:
            add_each(store, interactions)
        finally:
            self.touched()

    def open_store(self) -> Store:
        """The store, opened as the writer when it is not yet (`StoreError` when locked)."""
        if self._store is None:
            self._store = Store.open(self._path, lock_timeout=self._lock_timeout)
        return self._store

    def touched(self) -> None:
        """The store was just written: it stays open for ``idle_close`` seconds more."""
        self._last_write = time.monotonic()

    def idle(self) -> None:
        if self._store is not None and time.monotonic() - self._last_write >= self._idle_close:
            try:
                self._release()
            except StoreError as exc:  # stays open; the next idle tick or close retries
                log.warning("recording: cannot close the store yet: %s", exc)

    def close(self) -> None:
        self._release()

    def _release(self) -> None:
        """Close the store; when its final flush fails it stays open (and held) and
        ``StoreError`` is raised: nothing written is dropped."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def describe(self) -> str:
        return f"the store at {self.path}"


def merge(known: Interaction, again: Interaction) -> Interaction:
    """One interaction standing for both: counts added, ``last_seen`` the later time."""
    seen = max(
        known.last_seen or known.timestamp,
        again.last_seen or again.timestamp,
    )
    return known.model_copy(update={"count": known.count + again.count, "last_seen": seen})
