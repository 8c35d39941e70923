"""The spec a fixture is explained against (``GET /v1/fixtures/{id}/detail``): the one the
daemon's mock of the fixture's provider serves (the very `Spec` it holds: after a bad reload,
the last good one), else the newest version of the provider published to the store. Stored
specs are loaded on a worker thread and kept while their content is unchanged, so opening
one fixture after another costs one load.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from entente_daemon.client.wire import MockInfo
from entente_daemon.daemon.services.hosted import RUNNING
from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.model import Fixture
from entente_daemon.openapi import Spec, SpecError, load_spec_text
from entente_daemon.store import Store

log = logging.getLogger("entente.daemon.api")

#: the specs the hosted mocks serve now, each with its mock (`MockService.served_specs`)
ServedSpecs = Callable[[], list[tuple[MockInfo, Spec]]]

SPECS_KEPT = 8

#: (kind, identity...) -> the loaded spec
SpecKey = tuple[str, ...]


class SpecCache:
    """The last few stored specs loaded for fixture details, by their content hash."""

    def __init__(self, size: int = SPECS_KEPT) -> None:
        self._size = size
        self._specs: OrderedDict[SpecKey, Spec] = OrderedDict()

    async def get(self, key: SpecKey, load: Callable[[], Spec]) -> Spec:
        found = self._specs.get(key)
        if found is None:
            found = await asyncio.to_thread(load)
            self._specs[key] = found
            while len(self._specs) > self._size:
                self._specs.popitem(last=False)
        self._specs.move_to_end(key)
        return found


class SpecFinder:
    """The spec a provider's fixtures are explained against, and a label saying which."""

    def __init__(self, recorder: StoreWriter, served_specs: ServedSpecs) -> None:
        self._recorder = recorder
        self._served_specs = served_specs
        self._cache = SpecCache()

    async def find(self, fixture: Fixture) -> tuple[Spec | None, str | None]:
        """(spec, label): the spec and a label saying which one it is."""
        served = self._served(fixture)
        if served:
            mock, spec = served[0]
            where = mock.spec or f"version {mock.version}"
            return spec, f"{where} (version {spec.version}, as the mock serves it)"
        stored = await self._from_store(fixture.provider, None)
        return stored if stored is not None else (None, None)

    def _served(self, fixture: Fixture) -> list[tuple[MockInfo, Spec]]:
        """The specs the provider's hosted mocks serve: running ones first, then those
        serving one of the fixture's versions."""
        served = [(m, s) for m, s in self._served_specs() if m.provider == fixture.provider]
        versions = set(fixture.provider_versions)
        return sorted(served, key=_preference(versions))

    async def _from_store(self, provider: str, version: str | None) -> tuple[Spec, str] | None:
        def job(store: Store) -> Any:
            if version is None:
                return store.spec_versions.latest(provider)
            return store.spec_versions.get_version(provider, version)

        stored = await self._recorder.read(job)
        if stored is None:
            return None
        key = ("store", stored.service, stored.version, stored.content_hash)
        name = f"{stored.service}@{stored.version}.json"
        text = json.dumps(stored.spec)
        try:
            spec = await self._cache.get(key, lambda: load_spec_text(text, name, validate=False))
        except SpecError as exc:
            log.warning("the stored spec %s does not load: %s", stored.id, exc)
            return None
        return spec, f"{stored.id} (published to the store)"


def _preference(versions: set[str]) -> Callable[[tuple[MockInfo, Spec]], tuple[bool, bool]]:
    return lambda pair: (pair[0].state != RUNNING, pair[0].version not in versions)
