"""The Interactions screen marks exploratory interactions (no test made them: never
verified), deletes the selected one (``del``) and every exploratory one (``X``, after
asking), against a real daemon."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from entente_daemon.client import DaemonClient
from entente_daemon.model import HttpRequest
from entente_tui.screens.confirm import ConfirmScreen
from entente_tui.widgets.interaction_rows import EXPLORATORY
from tests.daemon.conftest import Daemon, interaction

from .conftest import until
from .interactions_helpers import app_without_project, choose, column, open_interactions, upload


def stored_ids(home: Path) -> list[str]:
    with DaemonClient.connect(home) as client:
        return [i.id for i in client.interactions(limit=100).items]


async def test_exploratory_rows_are_marked_and_deleted(daemon: Daemon, home: Path) -> None:
    tested = interaction(1, test_id="tests/test_castles.py::test_get_castle", run_id="r1")
    curl = interaction(2)
    refused = interaction(3, request=HttpRequest(method="GET", path="/castles/x"))
    await upload(home, [tested, curl, refused])
    app = app_without_project(home)
    async with app.run_test(size=(140, 30)) as pilot:
        _, screen = await open_interactions(pilot)
        assert screen.table.ids == [tested.id, curl.id, refused.id]
        assert column(screen, "test") == ["test_get_castle", EXPLORATORY, EXPLORATORY]

        # X asks first; n keeps them
        await pilot.press("X")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen, "the question to go")
        assert screen.table.ids == [tested.id, curl.id, refused.id]

        # y deletes every exploratory one, through the daemon, whose event updates the table
        await pilot.press("X")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await until(pilot, lambda: screen.table.ids == [tested.id], "the exploratory rows to go")
        assert stored_ids(home) == [tested.id]

        # a new stray joins live, marked; del deletes the selected row
        later = interaction(4)
        await upload(home, [later])
        await until(pilot, lambda: screen.table.ids == [tested.id, later.id], "the live row")
        assert column(screen, "test")[-1] == EXPLORATORY
        screen.table.move_cursor(row=0, animate=False)
        await pilot.press("delete")
        await until(pilot, lambda: screen.table.ids == [later.id], "the selected row to go")
        assert stored_ids(home) == [later.id]


async def test_the_count_follows_deletions_outside_the_filter(daemon: Daemon, home: Path) -> None:
    """Interactions deleted elsewhere (another provider's, through the daemon's client) that
    the filter hides leave the "x of y" count as it was; one the table shows lowers it."""
    mine = [interaction(n, test_id="t::a", run_id="r1") for n in (1, 2)]
    theirs = [interaction(n, provider="dragon-service", test_id="t::b") for n in (3, 4, 5)]
    await upload(home, [*mine, *theirs])
    app = app_without_project(home)
    async with app.run_test(size=(140, 30)) as pilot:
        _, screen = await open_interactions(pilot)
        await choose(pilot, screen, "provider", "castle")
        await until(pilot, lambda: screen.table.ids == [i.id for i in mine], "the filter")
        status = screen.query_one("#interactions-status", Static)

        def says(text: str) -> bool:
            return str(status.render()).startswith(text)

        await until(pilot, lambda: says("1–2 of 2"), "the filtered count")
        with DaemonClient.connect(home) as client:
            client.delete_interactions([i.id for i in theirs])
        with DaemonClient.connect(home) as client:
            client.delete_interactions([mine[0].id])
        await until(pilot, lambda: screen.table.ids == [mine[1].id], "the shown one to go")
        await until(pilot, lambda: says("1–1 of 1"), "the count of what still matches")
