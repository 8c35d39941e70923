"""The store's bound per bucket, as the daemon applies it, and saying that it sampled.

The store keeps at most so many distinct interactions per provider, consumer version,
operation, status and test (`entente_daemon.store.bounds`); past that, new ones are counted
and dropped. The recorder asks `StoreBounds.admit` which of a batch to store, on its writer
thread: it gets the batch to store, and one ``store.sampled`` event for each bucket that
starts being sampled while the daemon runs (a load test through a mock says so once, not a
million times). Each attached consumer project may set its own bound
(``[store] max_interactions_per_key``): `project_changed` is a project registry hook.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from entente_daemon.client import events as payloads
from entente_daemon.config import ProjectConfig
from entente_daemon.model import Event, Interaction
from entente_daemon.store import BoundsPolicy, Store
from entente_daemon.store.bounds import BucketKey, bucket_of_interaction


class StoreBounds:
    def __init__(self, policy: BoundsPolicy | None = None) -> None:
        self.policy = policy or BoundsPolicy()
        self._noticed: set[BucketKey] = set()
        self._lock = threading.Lock()
        self.sampled = 0  # sampled out while this daemon runs

    async def project_changed(self, config: ProjectConfig) -> None:
        """A project's ``[store]`` bound applies to its recordings (it is their consumer)."""
        limit = config.store.max_interactions_per_key
        with self._lock:
            if limit is None:
                self.policy.per_consumer.pop(config.service, None)
            else:
                self.policy.per_consumer[config.service] = limit

    def admit(
        self, store: Store, interactions: Sequence[Interaction]
    ) -> tuple[list[Interaction], list[Event]]:
        """Those of ``interactions`` to store, and the ``store.sampled`` events to emit for
        the rest; on the recorder's writer thread."""
        with self._lock:
            store.interactions.policy = self.policy
        kept, out = store.interactions.admit(interactions)
        self.sampled += len(out)
        notices: list[Event] = []
        for interaction in out:
            key = bucket_of_interaction(interaction)
            if key in self._noticed:
                continue
            self._noticed.add(key)
            notices.append(payloads.event_of(_notice(interaction, self.policy)))
        return kept, notices


def _notice(interaction: Interaction, policy: BoundsPolicy) -> payloads.StoreSampled:
    kept = policy.limit(interaction.consumer)
    operation = interaction.operation_id or "requests matching no operation"
    test = f", test {interaction.test_id}" if interaction.test_id else ""
    return payloads.StoreSampled(
        provider=interaction.provider,
        consumer=interaction.consumer,
        consumer_version=interaction.consumer_version,
        operation_id=interaction.operation_id,
        status=interaction.response.status,
        test_id=interaction.test_id,
        kept=kept,
        message=(
            f"{interaction.consumer} {interaction.consumer_version} → {interaction.provider} "
            f"{operation} ({interaction.response.status}{test}): {kept} kept, further "
            "distinct ones are counted, not stored (`entente store stats`)"
        ),
    )
