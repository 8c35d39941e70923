"""A watched spec replaced by a symlink, then by a regular file again: the watch follows the
path as configured (re-resolved on every change), so edits after each swap are served."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from .castle_project import castle_project, write_atomically
from .conftest import Daemon, wait_for
from .test_reload import TOWERS, serving, with_paths_added

KEEPS = TOWERS.replace("/towers", "/keeps").replace("listTowers", "listKeeps")
GATES = TOWERS.replace("/towers", "/gates").replace("listTowers", "listGates")


def swap_to_symlink(file: Path, target: Path) -> None:
    """Replace ``file`` by a symlink to ``target`` in one step (a new link renamed over it)."""
    link = file.with_name(f".{file.name}.link")
    os.symlink(target, link)
    os.replace(link, file)


def serves(url: str, path: str) -> bool:
    return httpx.get(f"{url}{path}", timeout=10).status_code == 200


def test_a_spec_swapped_to_a_symlink_and_back_is_still_watched(
    daemon: Daemon, tmp_path: Path
) -> None:
    project = castle_project(tmp_path)
    good = project.spec.read_text(encoding="utf-8")
    daemon.start()
    serving(daemon, project)
    url = project.url

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "openapi.yaml"
    target.write_text(with_paths_added(good, TOWERS)[0], encoding="utf-8")
    swap_to_symlink(project.spec, target)
    wait_for(lambda: serves(url, "/towers"), what="the symlink's target to be served")

    write_atomically(target, with_paths_added(good, GATES)[0])  # the target edited
    wait_for(lambda: serves(url, "/gates"), what="the edited target to be served")

    write_atomically(project.spec, good)  # a regular file again, in place of the link
    assert not project.spec.is_symlink()
    wait_for(lambda: not serves(url, "/gates"), what="the regular file to be served")

    project.write_spec(with_paths_added(good, KEEPS)[0])  # then edited
    wait_for(lambda: serves(url, "/keeps"), what="the edit after the swaps to be served")
    target.write_text(with_paths_added(good, TOWERS)[0], encoding="utf-8")
    project.write_spec(with_paths_added(good, GATES)[0])  # the old target no longer counts
    wait_for(lambda: serves(url, "/gates"), what="the next edit to be served")
    assert not serves(url, "/towers")


def test_a_spec_that_is_a_symlink_when_attached_is_watched_as_configured(
    daemon: Daemon, tmp_path: Path
) -> None:
    """The configured path, not the link's target at attach time: a regular file put in
    the link's place is served (and the old target no longer)."""
    project = castle_project(tmp_path)
    good = project.spec.read_text(encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "openapi.yaml"
    target.write_text(with_paths_added(good, TOWERS)[0], encoding="utf-8")
    swap_to_symlink(project.spec, target)
    daemon.start()
    serving(daemon, project)
    url = project.url
    assert serves(url, "/towers")
    with daemon.client() as client:
        [mock] = client.mocks()
        assert mock.spec == str(project.spec), "the path as configured"

    write_atomically(project.spec, with_paths_added(good, KEEPS)[0])  # the link replaced
    wait_for(lambda: serves(url, "/keeps"), what="the regular file to be served")
    target.write_text(with_paths_added(good, GATES)[0], encoding="utf-8")
    project.write_spec(good)
    wait_for(lambda: not serves(url, "/keeps"), what="the next edit to be served")
    assert not serves(url, "/gates"), "the old target is not served"
