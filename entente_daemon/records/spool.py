"""The spool: records a process could not write to the store, kept in files under
``$ENTENTE_HOME/spool/`` (atomically, owner-only) until a writer imports them.

It is also how a process hands its records to another one that holds the store: a recording
``entente mock`` (no daemon running) holds the store while it writes and claims the spool's
*importer* lock for as long as it runs (`SpoolImporter`). A consumer's upload that finds the
store held spools at once when an importer runs (`spool_importer`), instead of waiting for a
lock the mock may hold for a while; the importer's sink (`ImportingStoreSink`) imports the
spool on its next tick, and on closing.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from entente_daemon.errors import StoreError
from entente_daemon.home import ensure_private_dir, entente_home
from entente_daemon.model import Fixture, Interaction
from entente_daemon.pidlock import lock_within, write_pid
from entente_daemon.record.redact import redact_interaction
from entente_daemon.record.sinks import LocalStoreSink
from entente_daemon.store import Store

from .store import add_records

log = logging.getLogger("entente.records")

SPOOL_DIR = "spool"
IMPORTER_LOCK = "spool-importer.lock"


def spool_dir(home: Path | None = None) -> Path:
    return (home or entente_home()) / SPOOL_DIR


def spool_files(home: Path | None = None) -> list[Path]:
    """The spool's files, oldest first."""
    folder = spool_dir(home)
    return sorted(folder.glob("records-*.jsonl")) if folder.is_dir() else []


def spool_records(
    interactions: Sequence[Interaction], fixtures: Sequence[Fixture], home: Path | None = None
) -> Path:
    """Write the records to a new spool file (atomically, owner-only); its path. Credentials
    a record still carries (one not made by a recorder, which redacts) are redacted first:
    the spool is a store too."""
    interactions = [redact_interaction(interaction) for interaction in interactions]
    folder = ensure_private_dir(spool_dir(home))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = folder / f"records-{stamp}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
    lines = [json.dumps({"kind": "interaction", "record": i.to_json()}) for i in interactions]
    lines += [json.dumps({"kind": "fixture", "record": f.to_json()}) for f in fixtures]
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".spool-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def read_spool(file: Path) -> tuple[list[Interaction], list[Fixture]]:
    interactions: list[Interaction] = []
    fixtures: list[Fixture] = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry: dict[str, Any] = json.loads(line)
            if entry["kind"] == "interaction":
                interactions.append(Interaction.from_json(entry["record"]))
            elif entry["kind"] == "fixture":
                fixtures.append(Fixture.from_json(entry["record"]))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("%s:%d: skipped an unreadable spooled record (%s)", file, number, exc)
    return interactions, fixtures


def drain_spool(store: Store, home: Path | None = None) -> int:
    """Import every spool file into an open writer store and delete it; records imported."""
    imported = 0
    for file in spool_files(home):
        interactions, fixtures = read_spool(file)
        add_records(store, interactions, fixtures)
        store.flush()  # durable before the spool file goes
        file.unlink(missing_ok=True)
        imported += len(interactions) + len(fixtures)
        log.info("imported %s into the store", file)
    return imported


# -- a process importing the spool as it comes ---------------------------------------------


def _importer_lock(home: Path | None) -> Path:
    return (home or entente_home()) / IMPORTER_LOCK


class SpoolImporter:
    """This process imports the spool as it comes (an flock the kernel drops when the
    process dies, with its pid written in the file)."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def claim(cls, home: Path | None = None) -> SpoolImporter | None:
        """The claim, or None when another process holds it (or the home is not writable)."""
        try:
            ensure_private_dir(home or entente_home())
            fd = os.open(_importer_lock(home), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            log.warning("cannot claim the spool's importer lock: %s", exc)
            return None
        try:
            if not lock_within(fd, 0.5):
                os.close(fd)
                return None
            write_pid(fd)
        except OSError:
            os.close(fd)
            return None
        return cls(fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def spool_importer(home: Path | None = None) -> int | None:
    """The pid of the process importing the spool as it comes, None when there is none."""
    path = _importer_lock(home)
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        if lock_within(fd, 0):
            return None  # nobody holds it (closing the descriptor lets go again)
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else -1
    except OSError:
        return None
    finally:
        os.close(fd)


class ImportingStoreSink(LocalStoreSink):
    """A `LocalStoreSink` that also imports what other processes spool for it (it claims
    the importer lock for its lifetime): after each write, on each idle tick, and when it
    closes. ``on_import(count)`` is told of each import."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        home: Path | None = None,
        on_import: Callable[[int], None] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(path, **options)
        self._home = home
        self._on_import = on_import
        self._importer = SpoolImporter.claim(home)
        self.imported = 0

    @property
    def importing(self) -> bool:
        return self._importer is not None

    def write(self, interactions: Sequence[Interaction]) -> None:
        super().write(interactions)
        try:
            self._import()
        except StoreError as exc:  # the batch is written; the spool waits for the next tick
            log.warning("recording: the spool waits: %s", exc)

    def idle(self) -> None:
        try:
            self._import()
        except StoreError as exc:  # another writer has the store: the spool waits, quietly
            log.debug("recording: the spool waits: %s", exc)
        super().idle()

    def close(self) -> None:
        try:
            if self._importer is not None:
                self._import()
        finally:
            importer, self._importer = self._importer, None
            if importer is not None:
                importer.release()
            super().close()

    def _import(self) -> None:
        if self._importer is None or not spool_files(self._home):
            return
        count = drain_spool(self.open_store(), self._home)
        self.touched()
        if count:
            self.imported += count
            if self._on_import is not None:
                self._on_import(count)

    def describe(self) -> str:
        return f"the store at {self.path}"
