"""The breaking-changes service: each good load of a watched provider spec is diffed against
its baseline (`baseline`) and the previous load, the consumer impact is worked out from the
store's contract interactions, and a ``spec.breaking_change`` event replaces the last one
for that spec (provider, root file). One without changes clears the alert.

Where the loads come from:

* a consumer project's ``[[providers]]`` spec: the mock service loads it on each save and
  hands the loaded `Spec` over (`MockService.on_spec_loaded`), so a save is parsed once;
* a provider project's own spec (``[provider] spec``): watched and loaded here.

A spec that does not load reaches nobody here (the mock service alerts with ``spec.error``;
for a provider's own spec this service does): the last good version and its alert stay.

What makes a save cheap (`incremental`): the baseline is parsed once and kept; only the
operations whose definition changed since the previous load are diffed again (against the
baseline, for the alert, and against the previous load, to mark what this save
introduced); the contract interactions are indexed by operation once (`ImpactIndex`),
again only after interactions of that provider changed, and impact reads only the
operations the changes name. Saves that come while one is worked on are coalesced: the
newest is diffed next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from entente_daemon.client import events as payloads
from entente_daemon.client.events import BreakingChange, InteractionRecorded, parse_payload
from entente_daemon.config import ProjectConfig
from entente_daemon.daemon.services.breaking import baseline as baselines
from entente_daemon.daemon.services.breaking.incremental import (
    EVERYTHING,
    OperationKey,
    changed_operations,
)
from entente_daemon.daemon.services.breaking.payload import build_payload, change_key
from entente_daemon.daemon.services.bus import EventBus, Signal, Subscription
from entente_daemon.daemon.services.spec_loaded import SpecLoaded
from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.daemon.services.watcher import FileWatcher, Signature, stat_all, with_signatures
from entente_daemon.diff.changes import Change, DiffReport, Level
from entente_daemon.diff.engine import diff_specs, path_shape
from entente_daemon.diff.impact import impact_of
from entente_daemon.diff.impact_index import ImpactIndex
from entente_daemon.model import EventKind
from entente_daemon.openapi import Spec, SpecError, load_spec
from entente_daemon.records.contracts import contract_interactions
from entente_daemon.store import Store

log = logging.getLogger("entente.daemon.breaking")

#: (provider, the spec's root file)
SpecKey = tuple[str, str]
#: Events after which a provider's recorded uses are read again.
_INTERACTIONS_CHANGED = frozenset(
    {
        EventKind.INTERACTION_RECORDED,
        EventKind.INTERACTIONS_DELETED,
        EventKind.INTERACTIONS_PROMOTED,
    }
)


@dataclass
class _Tracked:
    """One watched spec: its baseline, its last good load, the changes by operation."""

    key: SpecKey
    project: str = ""  # the config file of the project that watches it
    baseline: baselines.Baseline | None = None
    previous: Spec | None = None
    by_operation: dict[OperationKey, list[Change]] | None = None  # baseline → previous
    spec_wide: list[Change] = field(default_factory=list)
    last: BreakingChange | None = None
    saves: int = 0
    pending: SpecLoaded | None = None
    task: asyncio.Task[None] | None = None


class BreakingService:
    name = "breaking"

    def __init__(self, writer: StoreWriter, bus: EventBus, watcher: FileWatcher) -> None:
        self._writer = writer
        self._bus = bus
        self._tracked: dict[SpecKey, _Tracked] = {}
        self._indexes: dict[str, ImpactIndex] = {}  # provider → its recorded uses
        self._subscription: Subscription | None = None
        self._follower: asyncio.Task[None] | None = None
        self._watch = watcher.subscribe(self._files_changed)  # providers' own specs
        self._own: dict[Path, ProjectConfig] = {}  # a provider project's spec root → project
        self._own_files: dict[Path, dict[Path, Signature]] = {}

    async def start(self) -> None:
        self._subscription = self._bus.subscribe(internal=True)
        self._follower = asyncio.create_task(self._follow(self._subscription))

    async def stop(self) -> None:
        self._watch.watch({})
        if self._subscription is not None:
            self._bus.unsubscribe(self._subscription)
            self._subscription.close()
        tasks = [t for t in (self._follower, *(t.task for t in self._tracked.values())) if t]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- what the control API reads --------------------------------------------------------

    def current(self, provider: str | None = None) -> list[BreakingChange]:
        """The alerts that stand: the last event of each spec, when it has changes."""
        return [
            t.last
            for key, t in sorted(self._tracked.items())
            if t.last is not None and t.last.changes and (provider in (None, key[0]))
        ]

    # -- loads ------------------------------------------------------------------------------

    def spec_loaded(self, loaded: SpecLoaded) -> None:
        """A good load of a watched spec (the mock service's hook, or our own watch). Worked
        on in the background; a newer load of the same spec replaces one still waiting."""
        key = (loaded.provider, str(loaded.root))
        tracked = self._tracked.setdefault(key, _Tracked(key))
        tracked.pending, tracked.project = loaded, str(loaded.project)
        if tracked.task is None or tracked.task.done():
            tracked.task = asyncio.create_task(self._drain(tracked), name=f"breaking {key}")

    async def project_changed(self, config: ProjectConfig) -> None:
        """A project (re-)attached: watch a provider's own spec; forget, and clear the
        alerts of, the consumer copies it no longer lists."""
        listed = {(p.name, str(p.spec_path)) for p in config.providers if p.spec_path}
        own = config.provided_spec
        if own is not None:
            listed.add((config.service, str(own)))
        for key, tracked in list(self._tracked.items()):
            if tracked.project == str(config.file) and key not in listed:
                del self._tracked[key]
                if tracked.task is not None:
                    tracked.task.cancel()
                if tracked.last is not None and tracked.last.changes:
                    await self._publish(_cleared(tracked.last))
        for root, project in list(self._own.items()):
            if project.file == config.file and root != own:
                del self._own[root]
                self._own_files.pop(root, None)
        if own is not None:
            self._own[own] = config
            await self._load_own(own, config, changed=(), seen=time.perf_counter())
        self._watch.watch({f: s for files in self._own_files.values() for f, s in files.items()})

    async def _files_changed(self, changed: set[Path]) -> None:
        seen = time.perf_counter()
        for root, config in list(self._own.items()):
            if self._own_files.get(root, {}).keys() & changed:
                await self._load_own(root, config, changed=tuple(sorted(changed)), seen=seen)
        self._watch.watch({f: s for files in self._own_files.values() for f, s in files.items()})

    async def _load_own(
        self, root: Path, config: ProjectConfig, *, changed: tuple[Path, ...], seen: float
    ) -> None:
        before = await asyncio.to_thread(stat_all, [root, *self._own_files.get(root, {})])
        try:
            spec = await asyncio.to_thread(
                load_spec, root, validate=False, ref_roots=config.spec_ref_roots
            )
        except SpecError as exc:
            files = [root, *([exc.file] if exc.file is not None and exc.file.exists() else [])]
            self._own_files[root] = await with_signatures(
                [*self._own_files.get(root, {}), *files], before
            )
            await self._publish(
                payloads.SpecError(
                    provider=config.service,
                    project=str(config.file),
                    spec=str(root),
                    file=str(exc.file) if exc.file is not None else None,
                    line=exc.line,
                    column=exc.column,
                    pointer=exc.pointer,
                    message=exc.message,
                )
            )
            return
        self._own_files[root] = await with_signatures(spec.files, before)
        self.spec_loaded(
            SpecLoaded(
                provider=config.service,
                spec=spec,
                root=root,
                project=config.file,
                consumer=None,
                changed=changed,
                ref_roots=config.spec_ref_roots,
                seen=seen,
            )
        )

    # -- detecting --------------------------------------------------------------------------

    async def _drain(self, tracked: _Tracked) -> None:
        while tracked.pending is not None:
            loaded, tracked.pending = tracked.pending, None
            try:
                await self._detect(tracked, loaded)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not stop the next save from being looked at
                log.exception("could not work out the breaking changes of %s", loaded.root)

    async def _detect(self, tracked: _Tracked, loaded: SpecLoaded) -> None:
        provider = loaded.provider
        await self._refresh_baseline(tracked, loaded)
        base = tracked.baseline
        assert base is not None
        index = await self._index(provider)
        tracked.saves += 1

        def work() -> BreakingChange:
            return self._compare(tracked, base, loaded, index)

        payload = await asyncio.to_thread(work)
        payload.detect_ms = round((time.perf_counter() - loaded.seen) * 1000.0, 3)
        was = tracked.last
        tracked.last = payload
        tracked.previous = loaded.spec
        if payload.changes or (was is not None and was.changes):
            await self._publish(payload)
        log.info("%s %s: %s (%.1f ms)", provider, loaded.root, payload.message, payload.detect_ms)

    async def _refresh_baseline(self, tracked: _Tracked, loaded: SpecLoaded) -> None:
        """The registered version when there is one (a newer one replaces the baseline);
        else, the first time, the file at git HEAD, else this load."""
        found = await self._writer.read(lambda s: s.spec_versions.latest(loaded.provider))
        current = tracked.baseline
        if found is not None:
            key = f"{found.id}:{found.content_hash}"
            if current is None or current.key != key:
                made = await asyncio.to_thread(baselines.registered, found)
                if made is not None:
                    self._set_baseline(tracked, made)
                    return
        if tracked.baseline is None:
            head = await asyncio.to_thread(baselines.at_git_head, loaded.spec, loaded.ref_roots)
            self._set_baseline(tracked, head or baselines.first_load(loaded.spec))

    def _set_baseline(self, tracked: _Tracked, made: baselines.Baseline) -> None:
        tracked.baseline = made
        tracked.by_operation = None  # diff everything against it next
        log.info("%s: baseline %s", tracked.key, made.info.source)

    def _compare(
        self, tracked: _Tracked, base: baselines.Baseline, loaded: SpecLoaded, index: ImpactIndex
    ) -> BreakingChange:
        """(Worker thread.) Diff what changed, update the per-operation changes, impact."""
        new, previous = loaded.spec, tracked.previous
        changed = changed_operations(previous, new) if previous is not None else EVERYTHING
        if tracked.by_operation is None or changed is EVERYTHING:
            report = diff_specs(base.spec, new)
            tracked.by_operation = {}
            tracked.spec_wide = []
            _file(tracked, report.changes, None)
        elif changed:
            report = diff_specs(base.spec, new, only=changed)
            _file(tracked, report.changes, {_shape(k) for k in changed})
        introduced: set[tuple[object, ...]] = set()
        if previous is not None and changed != set():
            since = diff_specs(previous, new, only=changed)
            introduced = {change_key(c) for c in since.changes}
        filed = [c for k in sorted(tracked.by_operation) for c in tracked.by_operation[k]]
        standing = [c for c in (*tracked.spec_wide, *filed) if c.level.rank >= Level.WARNING.rank]
        impact = impact_of(DiffReport(tuple(standing)), base.spec, new, index)
        changed_files = [str(f) for f in loaded.changed]
        return build_payload(
            impact=impact,
            old=base.spec,
            new=new,
            introduced=introduced,
            baseline=base.info,
            fields={
                "provider": loaded.provider,
                "spec": str(loaded.root),
                "file": changed_files[0] if changed_files else str(loaded.root),
                "project": str(loaded.project),
                "consumer": loaded.consumer,
                "version": new.version,
                "save": tracked.saves,
            },
        )

    # -- recorded uses ----------------------------------------------------------------------

    async def _index(self, provider: str) -> ImpactIndex:
        index = self._indexes.get(provider)
        if index is None:

            def read(store: Store) -> ImpactIndex:
                found = store.interactions.list(provider=provider)
                return ImpactIndex.build(contract_interactions(found))

            index = await self._writer.read(read)
            self._indexes[provider] = index
        return index

    async def _follow(self, subscription: Subscription) -> None:
        while True:
            item = await subscription.get()
            if item is Signal.CLOSED:
                return
            if item is Signal.OVERFLOW:
                self._indexes.clear()
                subscription = self._bus.subscribe(internal=True)
                self._subscription = subscription
                continue
            if isinstance(item, Signal) or item.kind not in _INTERACTIONS_CHANGED:
                continue
            payload = parse_payload(item)
            if isinstance(payload, InteractionRecorded):
                self._indexes.pop(payload.provider, None)
            else:
                self._indexes.clear()

    # -- events -----------------------------------------------------------------------------

    async def _publish(self, payload: payloads.Payload) -> None:
        try:
            await self._bus.publish(payload.KIND, payload.to_payload())
        except Exception:
            log.exception("could not publish a %s event", payload.KIND.value)


def _shape(key: OperationKey) -> OperationKey:
    return (key[0].lower(), path_shape(key[1]))


def _file(
    tracked: _Tracked, changes: tuple[Change, ...], replacing: set[OperationKey] | None
) -> None:
    """Put ``changes`` under their operation; ``replacing``: the operations diffed anew."""
    assert tracked.by_operation is not None
    for key in replacing or ():
        tracked.by_operation.pop(key, None)
    for change in changes:
        where = change.location
        if where.path is None:
            tracked.spec_wide.append(change)
        else:
            key = _shape((where.method or "", where.path))
            tracked.by_operation.setdefault(key, []).append(change)


def _cleared(last: BreakingChange) -> BreakingChange:
    """The event that ends an alert whose spec is no longer watched."""
    return BreakingChange(
        provider=last.provider,
        spec=last.spec,
        file=last.file,
        project=last.project,
        consumer=last.consumer,
        version=last.version,
        baseline=last.baseline,
        save=last.save,
        message="no longer watched",
    )
