"""Re-attaching a project resets the file watch: the links are re-resolved, the watcher
listens anew and reports each file changed since its subscriber last handled it, so a watch
gone stale is mended without restarting the daemon."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from entente_daemon.daemon.services.watcher import FileWatcher, stat_all

from .castle_project import castle_project, write_atomically
from .conftest import Daemon, wait_for
from .test_reload import TOWERS, serving, with_paths_added
from .test_watch_symlink import GATES, KEEPS, serves, swap_to_symlink

DEADLINE = 20.0


async def test_a_change_whose_handling_failed_is_reported_again_on_reset(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.1.0\n", encoding="utf-8")
    calls: list[set[Path]] = []
    called = asyncio.Event()

    async def on_change(changed: set[Path]) -> None:
        calls.append(changed)
        called.set()
        if len(calls) == 1:
            raise RuntimeError("a reload that failed half-way")

    watcher = FileWatcher()
    watch = watcher.subscribe(on_change)
    await watcher.start()
    try:
        watch.watch(stat_all([spec]))
        write_atomically(spec, "openapi: 3.1.1\n")
        await asyncio.wait_for(called.wait(), DEADLINE)
        assert calls == [{spec}]
        called.clear()
        watcher.reset()  # what re-attaching a project does
        await asyncio.wait_for(called.wait(), DEADLINE)
        assert calls[1] == {spec}, "the change not handled is reported again"
    finally:
        await watcher.stop()


def test_re_attaching_after_a_symlink_swap_serves_the_edit(daemon: Daemon, tmp_path: Path) -> None:
    project = castle_project(tmp_path)
    good = project.spec.read_text(encoding="utf-8")
    daemon.start()
    serving(daemon, project)
    url = project.url
    target = tmp_path / "elsewhere.yaml"
    target.write_text(with_paths_added(good, TOWERS)[0], encoding="utf-8")
    swap_to_symlink(project.spec, target)
    wait_for(lambda: serves(url, "/towers"), what="the symlink's target to be served")
    write_atomically(project.spec, with_paths_added(good, GATES)[0])
    with daemon.client() as client:
        client.attach_project(project.config)  # re-attached: the watch is reset
        wait_for(lambda: serves(url, "/gates"), what="the regular file to be served")
        client.attach_project(project.config)
    project.write_spec(with_paths_added(good, KEEPS)[0])  # still watched after the resets
    wait_for(lambda: serves(url, "/keeps"), what="the edit after re-attaching to be served")


async def test_a_folder_removed_and_made_again_is_watched_again(tmp_path: Path) -> None:
    """Its watch went with the folder: the watcher notices and listens to the new one."""
    folder, elsewhere = tmp_path / "castle-service", tmp_path / "castle-client"
    folder.mkdir()
    elsewhere.mkdir()
    spec, config = folder / "openapi.yaml", elsewhere / "entente.toml"
    spec.write_text("openapi: 3.1.0\n", encoding="utf-8")
    config.write_text('service = "castle-client"\n', encoding="utf-8")
    reports: asyncio.Queue[set[Path]] = asyncio.Queue()

    async def on_change(changed: set[Path]) -> None:
        await reports.put(changed)

    watcher = FileWatcher()
    watch = watcher.subscribe(on_change)
    await watcher.start()
    try:
        watch.watch(stat_all([spec, config]))
        write_atomically(spec, "openapi: 3.1.1\n")
        assert await asyncio.wait_for(reports.get(), DEADLINE) == {spec}
        shutil.rmtree(folder)  # a branch switched, say
        assert await asyncio.wait_for(reports.get(), DEADLINE) == {spec}
        folder.mkdir()
        spec.write_text("openapi: 3.0.3\n", encoding="utf-8")
        assert await asyncio.wait_for(reports.get(), DEADLINE) == {spec}
        write_atomically(spec, "openapi: 3.1.0\n")
        assert await asyncio.wait_for(reports.get(), DEADLINE) == {spec}, "still listening"
    finally:
        await watcher.stop()
