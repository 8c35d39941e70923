"""The command palette offers every action of the app from any main screen: the screen's own,
the app's, and the other screens' (``Fixtures: Show rejected fixtures`` switches to the
Fixtures screen and does it there), all read from the bindings."""

from __future__ import annotations

from pathlib import Path

from entente_tui.screens import MAIN_SCREENS
from entente_tui.screens.base import LiveScreen
from entente_tui.widgets.fixture_tabs import FixtureTabs
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon

from .conftest import linked, make_app, until


async def test_every_action_from_any_screen(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        await until(pilot, lambda: app.screen.name == "interactions", "the first screen")
        for key, screen_class in zip("123456", MAIN_SCREENS, strict=True):
            await pilot.press(key)
            await until(pilot, lambda c=screen_class: isinstance(app.screen, c), "the screen")  # type: ignore[misc]
            offered = {command.title for command in app.get_system_commands(app.screen)}
            for other in MAIN_SCREENS:
                for command in other.PALETTE:
                    if other is screen_class or command.title.startswith(f"{other.TITLE}: "):
                        title = command.title
                    else:
                        title = f"{other.TITLE}: {command.title}"
                    assert title in offered, f"{title!r} is not offered on {screen_class.NAME}"

        # From the Interactions screen, a Fixtures command switches there and runs.
        await pilot.press("1")
        await until(pilot, lambda: app.screen.name == "interactions", "Interactions")
        await pilot.press("ctrl+p", *"Fixtures: Show rejected fixtures", "enter")
        await until(pilot, lambda: app.screen.name == "fixtures", "the palette to switch")
        fixtures = app.screen
        assert isinstance(fixtures, LiveScreen)
        tabs = fixtures.query_one(FixtureTabs)
        await until(pilot, lambda: tabs.current == "rejected", "the command to run there")
