"""`DaemonSink`: recordings handed to the running Entente daemon, the store's one writer.

While the daemon runs it holds the store's writer lock, so a mock in another process cannot
write the store itself; it uploads its batches to the daemon instead. An upload that fails
(the daemon restarting) raises, and the recorder keeps the batch and retries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from entente_daemon.model import Fixture, Interaction
from entente_daemon.record.sinks import Sink


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
        self._client.upload_interactions(interactions)

    def close(self) -> None:
        self._client.close()

    def describe(self) -> str:
        return self._description
