"""How a broker process runs: its database and its limits. `entente broker serve` makes one
from its options; worker processes read it back from the environment (`to_env`)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields

ENV_PREFIX = "ENTENTE_BROKER_"


@dataclass(frozen=True)
class BrokerSettings:
    database: str
    #: the largest request body, in bytes (413 beyond)
    max_body: int = 16 * 1024 * 1024
    #: the most records in one upload (413 beyond)
    max_batch: int = 1000
    #: the most a page answers
    max_page: int = 1000
    #: how long a request may take before the broker answers 503 (long-polls excepted)
    request_timeout: float = 30.0
    #: the longest long-poll of the event feed
    max_wait: float = 30.0
    #: prune interactions and verifications older than this (None: keep all)
    keep_days: float | None = None

    def to_env(self) -> dict[str, str]:
        return {ENV_PREFIX + k.upper(): str(v) for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_env(cls) -> BrokerSettings:
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            kind = str(f.type)
            values[f.name] = int(raw) if kind == "int" else float(raw) if "float" in kind else raw
        if "database" not in values:
            raise RuntimeError(f"{ENV_PREFIX}DATABASE is not set")
        return cls(**values)  # type: ignore[arg-type]
