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
from dataclasses import dataclass, field, replace
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
from entente_daemon.daemon.services.breaking.quick import quick_spec
from entente_daemon.daemon.services.bus import EventBus, Signal, Subscription
from entente_daemon.daemon.services.spec_loaded import SpecLoaded
from entente_daemon.daemon.services.store_writer import StoreWriter
from entente_daemon.daemon.services.watcher import FileWatcher, Signature, stat_all, with_signatures
from entente_daemon.diff.changes import DiffReport, Level
from entente_daemon.diff.engine import diff_specs, path_shape
from entente_daemon.diff.impact import ChangeImpact, ImpactReport, impact_of
from entente_daemon.diff.impact_index import ImpactIndex
from entente_daemon.model import EventKind
from entente_daemon.openapi import Spec, SpecError, load_spec
from entente_daemon.records.contracts import contract_interactions
from entente_daemon.store import Store

log = logging.getLogger("entente.daemon.breaking")

#: (provider, the spec's root file)
SpecKey = tuple[str, str]
#: Seconds without new recordings of a provider before its standing alerts are weighed again.
REWEIGH_AFTER = 0.3
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
    """One watched spec: its baseline, its last good load, the changes by operation (each
    with the recorded uses it breaks), and the root file's text as last looked at."""

    key: SpecKey
    project: str = ""  # the config file of the project that watches it
    ref_roots: tuple[Path, ...] = ()
    consumer: str | None = None
    baseline: baselines.Baseline | None = None
    previous: Spec | None = None  # the last full load
    text: str | None = None  # the root file's text the changes stand for
    incoming: str | None = None  # its text when a save was seen (what the full load reads)
    by_operation: dict[OperationKey, list[ChangeImpact]] | None = None
    spec_wide: list[ChangeImpact] = field(default_factory=list)
    index: ImpactIndex | None = None  # the recorded uses the impacts were worked out with
    last: BreakingChange | None = None
    saves: int = 0
    pending: SpecLoaded | None = None  # a full load waiting
    loaded: SpecLoaded | None = None  # the last full load worked on
    quick: float | None = None  # a save seen (its time), for a quick look, waiting
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
        # Subscribed before the mock service (see `process.main`): a save is seen here
        # first, and looked at quickly while the mock parses the whole file.
        self._watch = watcher.subscribe(self._files_changed)
        self._own: dict[Path, ProjectConfig] = {}  # a provider project's spec root → project
        self._own_files: dict[Path, dict[Path, Signature]] = {}
        self._roots: dict[Path, Signature] = {}  # the consumers' copies, for quick looks
        self._reweighing: dict[str, asyncio.TimerHandle] = {}  # provider ("": all) → timer

    async def start(self) -> None:
        self._subscription = self._bus.subscribe(internal=True)
        self._follower = asyncio.create_task(self._follow(self._subscription))

    async def stop(self) -> None:
        self._watch.watch({})
        for timer in self._reweighing.values():
            timer.cancel()
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
        tracked.ref_roots, tracked.consumer = loaded.ref_roots, loaded.consumer
        if loaded.consumer is not None and loaded.root not in self._roots:
            self._roots[loaded.root] = None  # its signature: the watcher reads it next
            self._rewatch()
        self._kick(tracked)

    def _kick(self, tracked: _Tracked) -> None:
        if tracked.task is None or tracked.task.done():
            key = tracked.key
            tracked.task = asyncio.create_task(self._drain(tracked), name=f"breaking {key}")

    def _rewatch(self) -> None:
        files = {f: s for files in self._own_files.values() for f, s in files.items()}
        files.update({root: s for root, s in self._roots.items() if root not in files})
        self._watch.watch(files)

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
                self._roots.pop(Path(key[1]), None)
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
        self._rewatch()

    async def _files_changed(self, changed: set[Path]) -> None:
        seen = time.perf_counter()
        for tracked in list(self._tracked.values()):
            root = Path(tracked.key[1])
            if root in changed:
                # Read before the mock reads it: the text its full load will stand for.
                tracked.incoming = await asyncio.to_thread(_read, root)
                if tracked.text is not None:
                    tracked.quick = seen  # looked at quickly, before the full load
                    self._kick(tracked)
        for root, config in list(self._own.items()):
            if self._own_files.get(root, {}).keys() & changed:
                await self._load_own(root, config, changed=tuple(sorted(changed)), seen=seen)
        self._rewatch()

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
        while tracked.pending is not None or tracked.quick is not None:
            try:
                if tracked.pending is not None:
                    loaded, tracked.pending = tracked.pending, None
                    tracked.quick = None  # the full load has it all
                    await self._detect(tracked, loaded)
                elif tracked.quick is not None:
                    seen, tracked.quick = tracked.quick, None
                    await self._look_quickly(tracked, seen)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not stop the next save from being looked at
                log.exception("could not work out the breaking changes of %s", tracked.key)

    async def _detect(self, tracked: _Tracked, loaded: SpecLoaded) -> None:
        """A full load: diff what changed since the previous one (everything, the first
        time or against a new baseline), and publish when the alert changed."""
        provider = loaded.provider
        await self._refresh_baseline(tracked, loaded)
        base = tracked.baseline
        assert base is not None
        index = await self._index(provider)
        root = loaded.root

        incoming, tracked.incoming = tracked.incoming, None

        def work() -> BreakingChange:
            changes = self._compare(tracked, base, loaded.spec, index)
            # The text this load read, as far as can be told: the one read when its save was
            # seen (a first load: the file now). A newer one only widens the next quick look.
            tracked.text = incoming if incoming is not None else _read(root)
            return changes

        payload = await asyncio.to_thread(work)
        tracked.previous, tracked.loaded = loaded.spec, loaded
        await self._settle(tracked, payload, loaded.seen, loaded.changed)

    async def _look_quickly(self, tracked: _Tracked, seen: float) -> None:
        """A save seen before its full load: parse only the path items whose text changed
        (`quick`), diff and weigh those. Nothing when it cannot be done surely: the full
        load follows anyway."""
        base, previous, before = tracked.baseline, tracked.previous, tracked.text
        if base is None or previous is None or before is None or tracked.by_operation is None:
            return
        index = await self._index(tracked.key[0])
        if index is not tracked.index:
            return  # the recorded uses changed: the full load weighs every change again
        root = Path(tracked.key[1])

        def work() -> BreakingChange | None:
            after = _read(root)
            if after is None or after == before:
                return None
            found = quick_spec(before, after, root, tracked.ref_roots)
            if found is None:
                return None
            keys = {(op.method.lower(), op.path) for op in found.spec.operations}
            keys |= {(op.method.lower(), op.path) for op in previous.operations}
            changed = {k for k in keys if k[1] in found.paths}
            payload = self._redo(tracked, base, found.spec, previous, changed, index)
            tracked.text = after
            return payload

        payload = await asyncio.to_thread(work)
        if payload is not None:
            await self._settle(tracked, payload, seen, (root,))

    async def _settle(
        self, tracked: _Tracked, payload: BreakingChange, seen: float, changed: tuple[Path, ...]
    ) -> None:
        """Publish ``payload`` when it says something else than the last one."""
        tracked.saves += 1
        payload.save = tracked.saves
        payload.file = str(changed[0]) if changed else payload.spec
        payload.detect_ms = round((time.perf_counter() - seen) * 1000.0, 3)
        was = tracked.last
        same = was is not None and was.changes == payload.changes
        if not same:
            tracked.last = payload
            if payload.changes or (was is not None and was.changes):
                await self._publish(payload)
        log.info("%s: %s (%.1f ms)", tracked.key, payload.message, payload.detect_ms)

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
        self, tracked: _Tracked, base: baselines.Baseline, new: Spec, index: ImpactIndex
    ) -> BreakingChange:
        """(Worker thread.) A full load: the operations that changed since the previous
        full load are diffed and weighed again; everything when there is nothing to go by."""
        previous = tracked.previous
        changed = changed_operations(previous, new) if previous is not None else EVERYTHING
        if (
            tracked.by_operation is None
            or changed is EVERYTHING
            or previous is None
            or index is not tracked.index
        ):
            report = _standing(diff_specs(base.spec, new))
            weighed = impact_of(report, base.spec, new, index)
            tracked.by_operation, tracked.spec_wide, tracked.index = {}, [], index
            _file(tracked, weighed.changes, None)
            introduced: set[tuple[object, ...]] = set()
            if previous is not None:
                since = (
                    diff_specs(previous, new)
                    if changed is EVERYTHING
                    else (diff_specs(previous, new, only=changed) if changed else DiffReport())
                )
                introduced = {change_key(c) for c in since.changes}
            return self._payload(tracked, base, new, introduced)
        return self._redo(tracked, base, new, previous, changed, index)

    def _redo(
        self,
        tracked: _Tracked,
        base: baselines.Baseline,
        new: Spec,
        previous: Spec,
        changed: set[OperationKey],
        index: ImpactIndex,
    ) -> BreakingChange:
        """(Worker thread.) Diff and weigh again only ``changed`` (``new`` holds them)."""
        introduced: set[tuple[object, ...]] = set()
        if changed:
            report = _standing(diff_specs(base.spec, new, only=changed))
            weighed = impact_of(report, base.spec, new, index)
            _file(tracked, weighed.changes, {_shape(k) for k in changed})
            since = diff_specs(previous, new, only=changed)
            introduced = {change_key(c) for c in since.changes}
        return self._payload(tracked, base, new, introduced)

    def _payload(
        self,
        tracked: _Tracked,
        base: baselines.Baseline,
        new: Spec,
        introduced: set[tuple[object, ...]],
    ) -> BreakingChange:
        assert tracked.by_operation is not None
        filed = [c for k in sorted(tracked.by_operation) for c in tracked.by_operation[k]]
        payload = build_payload(
            impact=ImpactReport(tuple([*tracked.spec_wide, *filed])),
            old=base.spec,
            new=new,
            introduced=introduced,
            baseline=base.info,
            fields={
                "provider": tracked.key[0],
                "spec": tracked.key[1],
                "project": tracked.project,
                "consumer": tracked.consumer,
                "version": new.version,
            },
        )
        for item in payload.changes:  # a removed place is in the baseline's files
            item.file = base.file_label(item.file)
        return payload

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
                if not payload.new:
                    continue  # a repeat: the same use
                self._indexes.pop(payload.provider, None)
                self._reweigh_soon(payload.provider)
            else:
                self._indexes.clear()
                self._reweigh_soon(None)

    def _reweigh_soon(self, provider: str | None) -> None:
        """Once recordings have been quiet for `REWEIGH_AFTER` (a test run records many)."""
        if not any(t.last is not None and t.last.changes for t in self._tracked.values()):
            return  # no alert stands: the next save reads the new recordings
        key = provider or ""
        waiting = self._reweighing.pop(key, None)
        if waiting is not None:
            waiting.cancel()
        loop = asyncio.get_running_loop()
        self._reweighing[key] = loop.call_later(REWEIGH_AFTER, self._reweigh, provider)

    def _reweigh(self, provider: str | None) -> None:
        """Recorded uses changed: weigh the standing alerts again (a consumer that now
        reads a removed field is named; one whose recordings went is not)."""
        self._reweighing.pop(provider or "", None)
        for tracked in self._tracked.values():
            standing = tracked.last is not None and bool(tracked.last.changes)
            if standing and tracked.loaded is not None and provider in (None, tracked.key[0]):
                tracked.pending = tracked.pending or replace(
                    tracked.loaded, changed=(), seen=time.perf_counter()
                )
                self._kick(tracked)

    # -- events -----------------------------------------------------------------------------

    async def _publish(self, payload: payloads.Payload) -> None:
        try:
            await self._bus.publish(payload.KIND, payload.to_payload())
        except Exception:
            log.exception("could not publish a %s event", payload.KIND.value)


def _shape(key: OperationKey) -> OperationKey:
    return (key[0].lower(), path_shape(key[1]))


def _read(file: Path) -> str | None:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _standing(report: DiffReport) -> DiffReport:
    """What an alert lists: breaking changes and warnings."""
    return DiffReport(tuple(c for c in report.changes if c.level.rank >= Level.WARNING.rank))


def _file(
    tracked: _Tracked, changes: tuple[ChangeImpact, ...], replacing: set[OperationKey] | None
) -> None:
    """Put ``changes`` under their operation; ``replacing``: the operations diffed anew."""
    assert tracked.by_operation is not None
    for key in replacing or ():
        tracked.by_operation.pop(key, None)
    for weighed in changes:
        where = weighed.change.location
        if where.path is None:
            tracked.spec_wide.append(weighed)
        else:
            key = _shape((where.method or "", where.path))
            tracked.by_operation.setdefault(key, []).append(weighed)


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
