"""One file watcher for the daemon (watchfiles): tells each subscriber which of its files
changed. The project registry watches the config files, the mock service the spec files, the
test-run service the JUnit reports; all through the one `FileWatcher` built in `process.main`.

The files to watch change as mocks come and go and specs gain ``$ref``'d files, while
``watchfiles.awatch`` watches a fixed set of paths; so the watcher watches the folders
holding the files (not recursively: an editor that saves by writing a new file and renaming
it over the old one is seen too), and starts a new ``awatch`` whenever that set of folders
changes. Changes are debounced by watchfiles: a burst of writes is reported once, ``step``
milliseconds after it ends.

A file is watched by the path it was given (its folder resolved, as watchfiles reports
changes, but the file itself not: a symlink is watched as the link). When it is a symlink,
its target (and each link on the way) is watched besides, and reported as a change of the
path given. The links are re-resolved on every change, so a spec replaced by a symlink, then
by a regular file again, stays watched; `FileWatcher.reset` re-resolves them and listens
anew (re-attaching a project does), reporting what changed meanwhile. A watched folder that
is removed or replaced (its watch goes with it) is noticed, looked for again while it is
missing, and listened to once it is back.

A change made while no ``awatch`` listens (before the first, or while one is replaced, or
while the spec was being loaded) would be missed; so each file is given with its
`signature` as it was when last read, and once a new ``awatch`` listens, the files whose
signature differs are reported as changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path

import watchfiles

Signature = tuple[int, int, int] | None  # (inode, size, mtime_ns); None: no such file

log = logging.getLogger("entente.daemon.watcher")
logging.getLogger("watchfiles").setLevel(logging.WARNING)  # not a line per change

OnChange = Callable[[set[Path]], Awaitable[None]]
STEP_MS = 20  # quiet time that ends a burst of changes (an editor's save is one burst)
DEBOUNCE_MS = 1600  # longest a burst is grouped before it is reported anyway
RETRY_SECONDS = 1.0  # after watchfiles itself failed (a folder removed, say)
LISTENING_MS = 200  # awatch yields this long after it starts: it listens by then
MAX_LINKS = 40  # symlinks followed from one path (as the OS does): a loop ends there


def signature(file: Path) -> Signature:
    """What tells that a file changed since (stat only: cheap)."""
    try:
        stat = file.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


class Watch:
    """One subscriber's files and callback (see `FileWatcher.subscribe`)."""

    def __init__(self, watcher: FileWatcher, on_change: OnChange) -> None:
        self._watcher = watcher
        self.on_change = on_change
        self.files: frozenset[Path] = frozenset()
        self.signatures: dict[Path, Signature] = {}

    def watch(self, files: Mapping[Path, Signature]) -> None:
        """Watch exactly these files (resolved paths) from now on; each with its signature
        as read (a file missing from the mapping given before keeps the one it had)."""
        self.files = frozenset(files)
        known = self.signatures
        self.signatures = {f: files[f] if f in files else known.get(f) for f in self.files}
        self._watcher.refresh()

    def changed_unseen(self) -> set[Path]:
        """The watched files whose signature is not the one given (changed unwatched)."""
        return {f for f, known in list(self.signatures.items()) if signature(f) != known}


class FileWatcher:
    """The daemon's one watcher. Each subscriber (`subscribe`) gets its own set of files
    (`Watch.watch` replaces it) and is called with those of them that changed (created,
    modified or removed), one subscriber after the other in the order they subscribed; a
    callback's failures are logged and do not stop the watching."""

    name = "file watcher"

    def __init__(self, *, step_ms: int = STEP_MS) -> None:
        self._step_ms = step_ms
        self._watches: list[Watch] = []
        self._folders: frozenset[Path] = frozenset()
        self._links: dict[Path, frozenset[Path]] = {}  # a link or target → the paths via it
        self._restart = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, on_change: OnChange) -> Watch:
        """A new subscriber, watching nothing until it calls `Watch.watch`."""
        watch = Watch(self, on_change)
        self._watches.append(watch)
        return watch

    @property
    def files(self) -> frozenset[Path]:
        """Every file watched, for whichever subscriber."""
        return frozenset().union(*(watch.files for watch in self._watches))

    def refresh(self) -> None:
        """Listen to the folders of the files watched now and of the links they go through,
        as resolved now (a new ``awatch`` if those folders changed)."""
        files = self.files
        self._links = links_of(files)
        folders = frozenset(f.parent for f in (*files, *self._links))
        if folders != self._folders:
            self._folders = folders
            self._restart.set()

    def reset(self) -> None:
        """Re-resolve the links and listen anew: each subscriber is told of its files that
        changed since it last read them (nothing is missed however the watch went stale)."""
        self.refresh()
        self._restart.set()

    def _as_watched(self, paths: set[Path]) -> set[Path]:
        """The paths changed, with the watched paths that go through them (via links)."""
        found = set(paths)
        for path in paths:
            found |= self._links.get(path, frozenset())
        return found

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="file-watcher")

    async def stop(self) -> None:
        self._stopping = True
        self._restart.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            self._restart.clear()
            folders = [f for f in self._folders if f.is_dir()]
            missing = [f for f in self._folders if f not in folders]
            if not folders:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._restart.wait(), RETRY_SECONDS if missing else None)
                continue
            listened = await asyncio.to_thread(_inodes, folders)
            listening = False
            try:
                async for changes in watchfiles.awatch(
                    *folders,
                    stop_event=self._restart,
                    step=self._step_ms,
                    debounce=DEBOUNCE_MS,
                    recursive=False,
                    watch_filter=None,
                    rust_timeout=LISTENING_MS,
                    yield_on_timeout=True,
                ):
                    changed = self._as_watched({Path(path) for _, path in changes})
                    if changed:
                        self.refresh()  # links re-resolved: a path may now lead elsewhere
                    if _folders_moved(listened, missing):  # a stat per folder: cheap
                        self._restart.set()  # listen to the folders as they are now
                    for watch in list(self._watches):
                        seen = changed
                        if not listening:
                            seen = changed | await asyncio.to_thread(watch.changed_unseen)
                        await self._report(watch, seen)
                    listening = True
            except Exception as exc:  # never the end of watching
                log.error("watching %s failed: %s", ", ".join(map(str, folders)), exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._restart.wait(), RETRY_SECONDS)

    async def _report(self, watch: Watch, paths: set[Path]) -> None:
        # Reported under the (resolved) folders watched, so comparable as they are.
        changed = paths & watch.files
        if not changed:
            return
        known = {file: watch.signatures.get(file) for file in changed}
        now = {file: await asyncio.to_thread(signature, file) for file in changed}
        watch.signatures.update(now)
        log.debug("changed: %s", ", ".join(sorted(map(str, changed))))
        try:
            await watch.on_change(changed)
        except Exception:
            log.exception("handling a change of %s failed", ", ".join(map(str, changed)))
            # Not handled: still a change unseen, which a `reset` reports again.
            for file, before in known.items():
                if file in watch.signatures and watch.signatures[file] == now[file]:
                    watch.signatures[file] = before


def _inodes(folders: Iterable[Path]) -> dict[Path, int | None]:
    found: dict[Path, int | None] = {}
    for folder in folders:
        try:
            found[folder] = folder.stat().st_ino
        except OSError:
            found[folder] = None
    return found


def _folders_moved(listened: dict[Path, int | None], missing: Iterable[Path]) -> bool:
    """Whether a folder listened to was removed or replaced (its watch is gone with it), or
    a missing one is back: then a new ``awatch`` is needed."""
    return _inodes(listened) != listened or any(f.is_dir() for f in missing)


def watched_path(path: Path) -> Path:
    """A path as the watcher reports it: absolute, its folder resolved, but itself not (a
    symlink stays the link: its target is watched besides, see `links_of`)."""
    absolute = Path(os.path.normpath(Path(path).absolute()))
    return absolute.parent.resolve() / absolute.name


def resolved(paths: Iterable[Path]) -> frozenset[Path]:
    """As the watcher reports them (`watched_path`)."""
    return frozenset(watched_path(Path(p)) for p in paths)


def links_of(files: Iterable[Path]) -> dict[Path, frozenset[Path]]:
    """For the files that are symlinks: each link followed from them, and their final
    target, mapped to the files that lead there (to report a change there as theirs)."""
    via: dict[Path, set[Path]] = {}
    for file in files:
        hop = file
        for _ in range(MAX_LINKS):
            try:
                if not hop.is_symlink():
                    break
                hop = watched_path(hop.parent / os.readlink(hop))
            except (OSError, RuntimeError):
                break
            if hop == file:
                break
            via.setdefault(hop, set()).add(file)
    return {path: frozenset(files) for path, files in via.items()}


def stat_all(paths: Iterable[Path]) -> dict[Path, Signature]:
    return {file: signature(file) for file in resolved(paths)}


async def with_signatures(
    paths: Iterable[Path], before: dict[Path, Signature]
) -> dict[Path, Signature]:
    """``paths`` to watch, each with its signature from ``before`` (taken before reading
    the spec) or, for a file found while reading (a ``$ref``'d one), as it is now."""
    files = list(paths)

    def job() -> dict[Path, Signature]:
        return {f: before[f] if f in before else signature(f) for f in resolved(files)}

    return await asyncio.to_thread(job)
