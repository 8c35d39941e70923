"""The app's frame: linking, navigation keys, help, theme, palette, header."""

from __future__ import annotations

from pathlib import Path

from entente_tui.screens.help import HelpScreen
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon

from .conftest import linked, make_app, until


async def test_links_attaches_and_navigates(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        assert app.project is not None
        assert app.project.service == "castle-client"
        await until(pilot, lambda: any(m.port == castle.port for m in app.mocks), "the mock")
        for key, name in (
            ("2", "verifications"),
            ("3", "fixtures"),
            ("4", "alerts"),
            ("5", "deploy"),
        ):
            await pilot.press(key)
            await until(pilot, lambda name=name: app.screen.name == name, f"screen {name}")  # type: ignore[misc]
        await pilot.press("1")
        await until(pilot, lambda: app.screen.name == "interactions", "screen interactions")


async def test_help_and_theme(daemon: Daemon, castle: CastleProject, home: Path) -> None:
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        await until(pilot, lambda: app.screen.name == "interactions", "the first screen")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        before = app.theme
        await pilot.press("t")
        assert app.theme != before
        await pilot.press("t")
        assert app.theme == before


async def test_no_daemon_says_so(home: Path, castle: CastleProject) -> None:
    app = make_app(castle, home)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.connection == "unavailable", "the link to fail")
        assert app.link is None
