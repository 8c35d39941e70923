"""Snapshots of the breaking-change alert: the Alerts screen with a save's changes grouped
under it (and the header's mark), and the detail of a change (both sides of the schema, the
interaction it breaks). The scene is the snapshots' (`tests.tui.scene`: real recordings of
the castle client) with ``region`` then removed from the castle spec; a scene of its own,
so that the other snapshots keep theirs. Regenerate with ``--snapshot-update`` and look at
the SVGs (``tests/tui/__snapshots__/test_breaking_snapshots/``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot

from entente_daemon.client import aio
from entente_tui.app import EntenteApp
from entente_tui.screens.breaking_detail import BreakingDetailScreen
from tests.daemon.castle_project import is_event, last_seq, wait_for_event
from tests.daemon.test_breaking import without_region

from .scene import Scene, neutral_client_factory, record_scene, start_scene
from .settle import settle, show

SIZE = (140, 40)
SnapCompare = Callable[..., bool]


@pytest.fixture(scope="module")
def broken_scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """The recorded scene, then the castle spec saved without ``region``."""
    root = tmp_path_factory.mktemp("breaking-scene")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENTENTE_HOME", str(root / "entente-home"))
        patch.setenv("TZ", "UTC")
        time.tzset()
        scene = start_scene(root)
        try:
            record_scene(scene)
            with scene.client() as client:
                since = last_seq(client)
                text = scene.castle.spec.read_text(encoding="utf-8")
                scene.castle.write_spec(without_region(text))
                wait_for_event(
                    client, since, is_event("spec.breaking_change"), what="the breaking change"
                )
            yield scene
        finally:
            scene.stop()
    time.tzset()


@pytest.fixture
def scene_app(broken_scene: Scene, monkeypatch: pytest.MonkeyPatch) -> Callable[[], EntenteApp]:
    monkeypatch.setenv("ENTENTE_HOME", str(broken_scene.home))
    monkeypatch.setattr(aio, "async_http_client", neutral_client_factory(broken_scene))
    assert os.environ.get("TZ") == "UTC"
    return lambda: EntenteApp(broken_scene.project_dir, home=broken_scene.home, start_daemon=False)


async def _alerts(pilot: Pilot[None]) -> None:
    await show(pilot, "alerts", "4")


async def _detail(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, EntenteApp)
    await _alerts(pilot)
    await pilot.press("down", "enter")

    def loaded() -> bool:
        screen = app.screen
        if not isinstance(screen, BreakingDetailScreen):
            return False
        return "castle-client" in str(screen.query_one("#breaking-interaction").render())

    await settle(pilot, loaded, "the change with its interaction")


def test_breaking_alerts(snap_compare: SnapCompare, scene_app: Callable[[], EntenteApp]) -> None:
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=_alerts)


def test_breaking_detail(snap_compare: SnapCompare, scene_app: Callable[[], EntenteApp]) -> None:
    assert snap_compare(scene_app(), terminal_size=SIZE, run_before=_detail)
