"""A provider spec loaded by a service that watches it (the mocks: a consumer's
``[[providers]]`` spec), handed to whoever wants to look at each good load (the breaking
changes service) without parsing the same save again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from entente_daemon.openapi import Spec


@dataclass(frozen=True)
class SpecLoaded:
    provider: str
    spec: Spec
    root: Path  # the spec's root file as configured
    project: Path  # the config file of the project that watches it
    consumer: str | None  # that project's service when it consumes the spec; None: provides it
    changed: tuple[Path, ...]  # the files saved; empty for a first load
    ref_roots: tuple[Path, ...]
    seen: float  # time.perf_counter() when the change was seen (or the load began)


SpecLoadedHook = Callable[[SpecLoaded], None]
