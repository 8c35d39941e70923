"""What a store holds, for `entente store stats`: records per table, interactions per
provider (read from the documents, nothing parsed into models), its files and their bytes,
and the interactions sampled out by the bound per bucket (`store.bounds`)."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .repositories import Repository

if TYPE_CHECKING:
    from . import Store


@dataclass
class Stats:
    path: str
    bytes: int = 0
    files: dict[str, int] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    providers: dict[str, int] = field(default_factory=dict)
    sampled: dict[str, int] = field(default_factory=dict)
    max_per_key: int = 0


def disk_usage(directory: os.PathLike[str] | str) -> dict[str, int]:
    """Each file under the store's folder (relative name) and its size."""
    sizes: dict[str, int] = {}
    for root, _dirs, names in os.walk(directory):
        for name in names:
            full = os.path.join(root, name)
            try:
                sizes[os.path.relpath(full, directory)] = os.path.getsize(full)
            except OSError:
                continue  # replaced by a compaction meanwhile
    return dict(sorted(sizes.items()))


def store_stats(store: Store) -> Stats:
    repositories: dict[str, Repository[Any]] = {
        "services": store.services,
        "spec_versions": store.spec_versions,
        "interactions": store.interactions,
        "fixtures": store.fixtures,
        "verifications": store.verifications,
        "deployments": store.deployments,
        "events": store.events,
    }
    files = disk_usage(store.path)
    return Stats(
        path=str(store.path),
        bytes=sum(files.values()),
        files=files,
        tables={name: repo.count() for name, repo in repositories.items()},
        providers=dict(sorted(Counter(store.interactions.providers()).items())),
        sampled=store.interactions.sampled(),
        max_per_key=store.interactions.policy.max_per_key,
    )
