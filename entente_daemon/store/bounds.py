"""How many interactions the store keeps: a contract is a set of examples, not a traffic log.

Per bucket (provider, consumer, consumer version, operation, status, test) the store keeps
at most ``max_per_key`` distinct interactions; a repeat of one kept is merged into it (its
``count`` grows) as before, and a new one past the bound is *sampled out*: not stored, only
counted (per provider, in the ``store_meta`` table), so that `entente store stats` and the
daemon can say that the store sampled. A load test through a mock then leaves at most
``max_per_key`` interactions per bucket, however many distinct requests it made.

A consumer's own project may set another bound (``[store] max_interactions_per_key`` in its
``entente.toml``): `BoundsPolicy.per_consumer`. 0 means no bound.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..model import Interaction

DEFAULT_MAX_PER_KEY = 20
DEFAULT_EXPLORATORY_RETENTION_DAYS = 14.0

#: (provider, consumer, consumer version, operation, status, test)
BucketKey = tuple[str, str, str, str | None, int, str | None]

META_TABLE = "store_meta"
SAMPLED_DOC = "sampled"
_SAVE_EVERY = 1000  # sampled-out interactions between writes of the counters


def bucket_of(doc: dict[str, Any]) -> BucketKey:
    """The bucket of a stored interaction document (or an `Interaction.to_json()`)."""
    response = doc.get("response") or {}
    return (
        str(doc.get("provider", "")),
        str(doc.get("consumer", "")),
        str(doc.get("consumer_version", "")),
        doc.get("operation_id"),
        int(response.get("status", 0)),
        doc.get("test_id"),
    )


def bucket_of_interaction(interaction: Interaction) -> BucketKey:
    """The bucket of an interaction not stored yet (as `bucket_of` its document)."""
    return (
        interaction.provider,
        interaction.consumer,
        interaction.consumer_version,
        interaction.operation_id,
        interaction.response.status,
        interaction.test_id,
    )


@dataclass
class BoundsPolicy:
    """The bound per bucket: ``per_consumer`` overrides ``max_per_key`` (0: unbounded)."""

    max_per_key: int = DEFAULT_MAX_PER_KEY
    per_consumer: dict[str, int] = field(default_factory=dict)

    def limit(self, consumer: str) -> int:
        return self.per_consumer.get(consumer, self.max_per_key)


class BucketCounts:
    """Distinct stored interactions per bucket, and how many were sampled out per provider.

    Owned by the interactions repository and used under the engine's lock."""

    def __init__(self) -> None:
        self.stored: Counter[BucketKey] = Counter()
        self.sampled: Counter[str] = Counter()
        self.unsaved = 0  # sampled-out since the counters were last written

    def load(self, keys: Iterable[BucketKey], saved: dict[str, Any] | None) -> None:
        """Count the stored interactions' buckets ``keys``; take the saved counters."""
        self.stored = Counter(keys)
        providers = (saved or {}).get("providers", {})
        self.sampled = Counter({str(k): int(v) for k, v in providers.items() if isinstance(v, int)})
        self.unsaved = 0

    def full(self, key: BucketKey, limit: int) -> bool:
        return limit > 0 and self.stored[key] >= limit

    def sample_out(self, provider: str) -> bool:
        """Count one interaction not kept; whether the counters are due to be written."""
        self.sampled[provider] += 1
        self.unsaved += 1
        return self.unsaved >= _SAVE_EVERY

    def saved_form(self) -> dict[str, Any]:
        self.unsaved = 0
        return {"total": sum(self.sampled.values()), "providers": dict(self.sampled)}
