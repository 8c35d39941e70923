"""Entente's records behind one port: interactions, fixtures and their decisions,
verifications, deployments, published specs.

    with open_records() as records:            # the daemon when it runs, else the store
        drafts = records.fixtures(status=FixtureStatus.DRAFT)
        records.approve(drafts[0].id, by="me")
        print(f"from {records.describe()}")

* :mod:`.port` -- `Records`, the protocol, and `SpecTarget`;
* :mod:`.daemon` -- `DaemonRecords`, through the running daemon's control API;
* :mod:`.store` -- `StoreRecords`, the local store;
* :mod:`.opening` -- `open_records`: which of the two.

It imports the store and the client, never the CLI, the TUI, or the daemon's internals
(save its interaction queries, in `store`, until they move to a shared package).
"""

from .daemon import DaemonRecords
from .errors import FixtureIdError, NoSpecError
from .fixture_ids import resolve
from .opening import connect_records, daemon_records, open_records
from .port import Records, Source, SpecTarget, VerificationRunReport
from .store import WRITE_LOCK_TIMEOUT, StoreRecords, current_user

__all__ = [
    "WRITE_LOCK_TIMEOUT",
    "DaemonRecords",
    "FixtureIdError",
    "NoSpecError",
    "Records",
    "Source",
    "SpecTarget",
    "StoreRecords",
    "VerificationRunReport",
    "connect_records",
    "current_user",
    "daemon_records",
    "open_records",
    "resolve",
]
