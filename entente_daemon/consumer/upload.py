"""Where a consumer's recordings go when a mock closes.

In order:

1. the daemon, when one runs for this Entente home: it owns the store (and syncs with the
   broker), so the records go through its control API; if it cannot take them, we fall back;
2. else the local store, waiting up to the store's lock timeout for another writer; when
   the store stays locked (or cannot be written) the records go to a spool file under
   ``$ENTENTE_HOME/spool/`` instead, never dropped, and the next upload that gets the store
   imports the spool first. When a recording ``entente mock`` holds the store, the records
   go to the spool at once, without waiting: that mock imports the spool as it comes
   (`records.spool`);
3. and, when a broker is configured (``[broker] url`` and ``ENTENTE_API_KEY``), the
   interactions are POSTed to ``{url}/api/v1/interactions`` in JSON batches. A broker failure
   is reported (`UploadResult.broker_error`, `BrokerUploadError`) without losing anything:
   the records are in the store or the spool by then.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from entente_daemon.client import DaemonError
from entente_daemon.config import Broker
from entente_daemon.errors import EntenteError, StoreError
from entente_daemon.model import Fixture, Interaction
from entente_daemon.records import StoreRecords, daemon_records
from entente_daemon.records.spool import (
    SPOOL_DIR,
    drain_spool,
    read_spool,
    spool_dir,
    spool_importer,
    spool_records,
)
from entente_daemon.records.store import add_records
from entente_daemon.store import DEFAULT_LOCK_TIMEOUT as STORE_LOCK_TIMEOUT

log = logging.getLogger("entente.consumer")

__all__ = [  # the spool's functions, here since before they moved to `records.spool`
    "SPOOL_DIR",
    "BrokerUploadError",
    "UploadResult",
    "drain_spool",
    "post_to_broker",
    "read_spool",
    "send_to_daemon",
    "spool_dir",
    "spool_records",
    "upload",
]

BROKER_PATH = "/api/v1/interactions"
BROKER_BATCH = 200
BROKER_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

Destination = Literal["daemon", "store", "mock", "spool", "none"]


class BrokerUploadError(EntenteError):
    """The broker refused or could not be reached; the records are safe locally."""

    def __init__(self, message: str, result: UploadResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class UploadResult:
    """What happened to one batch of records."""

    interactions: int
    fixtures: int
    destination: Destination
    spool_file: Path | None = None
    broker_sent: int = 0
    broker_error: str | None = None
    messages: list[str] = field(default_factory=list)

    def raise_for_broker(self) -> None:
        if self.broker_error is not None:
            raise BrokerUploadError(self.broker_error, self)


# -- the daemon ---------------------------------------------------------------------------


def send_to_daemon(
    interactions: Sequence[Interaction], fixtures: Sequence[Fixture], home: Path | None = None
) -> str | None:
    """Hand records to the daemon running for ``home``; where they went, or None when no
    daemon runs or it could not take them (the caller then writes the store itself)."""
    try:
        records = daemon_records(home)
    except DaemonError as exc:
        log.warning("not uploading through the daemon: %s", exc)
        return None
    if records is None:
        return None
    try:
        records.add_interactions(interactions, fixtures)
    except DaemonError as exc:
        log.warning("the daemon did not take the recordings: %s", exc)
        return None
    finally:
        records.close()
    return f"sent to {records.describe()}"


# -- the store and the spool (in `records.spool`) -----------------------------------------


# -- the broker ---------------------------------------------------------------------------


def post_to_broker(
    url: str,
    api_key: str,
    interactions: Sequence[Interaction],
    *,
    batch_size: int = BROKER_BATCH,
    timeout: httpx.Timeout = BROKER_TIMEOUT,
) -> int:
    """POST the interactions to ``{url}/api/v1/interactions`` as ``{"interactions": [...]}``
    batches; how many were sent. `BrokerUploadError` names the URL and what went wrong."""
    endpoint = url.rstrip("/") + BROKER_PATH
    sent = 0
    headers = {"Authorization": f"Bearer {api_key}", "User-Agent": "entente-consumer"}
    with httpx.Client(timeout=timeout, headers=headers) as http:
        for start in range(0, len(interactions), batch_size):
            batch = interactions[start : start + batch_size]
            body = {"interactions": [i.to_json() for i in batch]}
            try:
                response = http.post(endpoint, json=body)
            except httpx.HTTPError as exc:
                raise BrokerUploadError(
                    f"cannot upload interactions to the broker at {endpoint}: {exc!r}"
                ) from None
            if response.status_code >= 400:
                raise BrokerUploadError(
                    f"the broker at {endpoint} refused the interactions: HTTP "
                    f"{response.status_code} {response.text[:200]!r}"
                    + (" (check ENTENTE_API_KEY)" if response.status_code in (401, 403) else "")
                )
            sent += len(batch)
    return sent


# -- all together -------------------------------------------------------------------------


def upload(
    interactions: Sequence[Interaction],
    fixtures: Sequence[Fixture] = (),
    *,
    broker: Broker | None = None,
    store_path: Path | None = None,
    lock_timeout: float = STORE_LOCK_TIMEOUT,
    home: Path | None = None,
    use_daemon: bool = True,
) -> UploadResult:
    """Put the records somewhere safe (daemon, else store, else spool), then to the broker.

    Never raises for a locked or broken store (the spool takes the records); a spool that
    cannot be written either raises `StoreError`. Broker failures are in the result.
    """
    result = UploadResult(len(interactions), len(fixtures), "none")
    if not interactions and not fixtures:
        return result

    sent = send_to_daemon(interactions, fixtures, home) if use_daemon else None
    if sent is not None:
        result.destination = "daemon"
        result.messages.append(sent)
        return result  # the daemon syncs with the broker itself

    local = StoreRecords(store_path, lock_timeout=lock_timeout)
    # A recording `entente mock` importing the spool may hold the store a while: when it
    # does, hand the records over through the spool at once instead of waiting.
    importer = spool_importer(home) if store_path is None else None
    try:
        with local.writing(lock_timeout=0 if importer else None) as store:
            # the spool first, in the same hold of the lock
            drained = drain_spool(store, home)
            fresh = add_records(store, interactions, fixtures)
        result.destination = "store"
        result.messages.append(
            f"stored {len(interactions)} interaction(s) and {fresh} new fixture(s) in "
            f"{local.path}"
            + (f" (and {drained} spooled record(s) from earlier)" if drained else "")
        )
    except StoreError as exc:
        file = spool_records(interactions, fixtures, home)
        result.spool_file = file
        if importer is not None:
            who = f"process {importer}" if importer > 0 else "another process"
            result.destination = "mock"
            result.messages.append(
                f"handed {len(interactions)} interaction(s) to the recording `entente mock` "
                f"({who}), which holds the store and imports them from {file}"
            )
        else:
            result.destination = "spool"
            result.messages.append(
                f"the store could not take the recordings ({exc}); kept them in {file} "
                "instead: the next upload that gets the store imports them"
            )

    if broker is not None and broker.url is not None and interactions:
        if not broker.api_key:
            result.broker_error = (
                f"a broker is configured ({broker.url}) but ENTENTE_API_KEY is not set: "
                f"the interactions stay in the local {result.destination} only"
            )
        else:
            try:
                result.broker_sent = post_to_broker(broker.url, broker.api_key, interactions)
                result.messages.append(
                    f"uploaded {result.broker_sent} interaction(s) to the broker at {broker.url}"
                )
            except BrokerUploadError as exc:
                result.broker_error = (
                    f"{exc}; the interactions are kept in the local {result.destination}"
                )
    for message in result.messages:
        log.info("%s", message)
    if result.broker_error:
        log.warning("%s", result.broker_error)
    return result
