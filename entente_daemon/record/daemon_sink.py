"""`DaemonSink`: recordings handed to the running Entente daemon, the store's one writer.

While the daemon runs it holds the store's writer lock, so a mock in another process cannot
write the store itself; it uploads its batches to the daemon instead. An upload that fails
(the daemon restarting, or answering 503 because its store cannot write) raises, and the
recorder keeps the batch and retries. Interactions the daemon could not store (listed in the
receipt's ``failed``) are refused on their own (`Unrecordable`); the others are written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from entente_daemon.model import Fixture, Interaction
from entente_daemon.record.sinks import Sink, Unrecordable


class Uploader(Protocol):
    """What the sink needs of `entente_daemon.client.DaemonClient`."""

    def upload_interactions(
        self, interactions: Iterable[Interaction], fixtures: Iterable[Fixture] = ()
    ) -> Any: ...

    def close(self) -> None: ...


class DaemonSink(Sink):
    write_slice = 500  # one upload per slice: few, larger requests

    def __init__(self, client: Uploader, *, describe_as: str = "the Entente daemon") -> None:
        self._client = client
        self._description = describe_as

    def write(self, interactions: Sequence[Interaction]) -> None:
        receipt = self._client.upload_interactions(interactions)
        failed = getattr(receipt, "failed", None) or []
        refused = {
            interactions[f.index].content_hash: f.error
            for f in failed
            if 0 <= f.index < len(interactions)
        }
        if refused:
            raise Unrecordable(refused)

    def close(self) -> None:
        self._client.close()

    def describe(self) -> str:
        return self._description
