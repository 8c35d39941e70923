"""The Interactions screen against a real daemon: rows stream in while the castle client's
tests run, repeats count up, filters narrow (the daemon's pages too), the detail pane shows
an interaction in full, test runs are listed and filter, paging brings older rows, and a
daemon killed and restarted under the screen neither loses nor doubles rows."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.binding import Binding
from textual.pilot import Pilot

from entente_daemon.client import DaemonClient
from entente_daemon.model import HttpRequest, HttpResponse
from entente_tui.screens.interactions import InteractionsScreen
from entente_tui.themes import LIGHT
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon, interaction

from .conftest import make_app, until
from .interactions_helpers import (
    again,
    app_without_project,
    castle_tests,
    choose,
    column,
    mock_get,
    open_interactions,
    search,
    status_line,
    text_of,
    upload,
)

MISSING = "/castles/00000000-0000-4000-8000-000000000000"


async def test_castle_traffic_live_filtered_and_in_detail(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    """One scenario over one castle run (the slow part): live rows, the run, repeats,
    every filter, the detail pane, the light theme."""
    stray = interaction(1, operation_id=None, request=HttpRequest(method="GET", path="/x"))
    dragon = interaction(
        2,
        provider="dragon-service",
        operation_id="getDragon",
        request=HttpRequest(method="GET", path="/dragons/1"),
    )
    await upload(home, [stray, dragon])  # made by no test run
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        _, screen = await open_interactions(pilot)
        assert screen.table.ids == [stray.id, dragon.id]
        await rows_stream_in_while_the_tests_run(pilot, screen, castle, home)
        await the_run_is_listed_and_filters(pilot, screen)
        await repeats_count_up(pilot, screen, home)
        await filters_narrow(pilot, screen, home)
        await the_detail_shows_it_all(pilot, screen, castle)


async def rows_stream_in_while_the_tests_run(
    pilot: Pilot[None], screen: InteractionsScreen, castle: CastleProject, home: Path
) -> None:
    # Nothing reloads while the tests run: every new row comes from the live stream.
    await castle_tests(castle, home, run_id="run-one")
    await until(pilot, lambda: screen.table.row_count == 8, "six live rows")
    castle_rows = slice(2, None)
    assert set(column(screen, "method")[castle_rows]) == {"GET", "POST", "DELETE"}
    assert sorted(column(screen, "status")[castle_rows]) == ["200"] * 3 + ["201", "204", "404"]
    assert "fixture" in column(screen, "source")
    assert "generated" in column(screen, "source")
    assert "test_get_castle" in column(screen, "test")
    assert column(screen, "count") == [""] * 8
    assert screen.table.cursor_row == 7, "the view follows the newest row"
    assert "following" in status_line(screen)


async def the_run_is_listed_and_filters(pilot: Pilot[None], screen: InteractionsScreen) -> None:
    ids = screen.table.ids
    runs = screen.runs_panel.table
    await pilot.press("g")
    await until(pilot, lambda: runs.has_focus and runs.row_count == 2, "the runs panel")
    assert str(runs.get_cell("run-one", "counts")) == "6 0 0", "six passed, live"
    assert str(runs.get_cell("run-one", "project")) == "castle-client"
    assert str(runs.get_cell("run-one", "state")) == "■", "finished"

    # Choosing the run shows its interactions only (the daemon's run filter).
    await pilot.press("down", "enter")
    await until(pilot, lambda: screen.filters.run_id == "run-one", "the run filter")
    await until(pilot, lambda: not screen.page_loading, "the run's page")
    assert screen.table.ids == ids[2:]
    assert "run=run-one" in status_line(screen)
    await pilot.press("escape")
    await until(pilot, lambda: screen.table.ids == ids, "every row again")
    await pilot.press("g")
    assert screen.runs_panel.has_class("hidden")


async def repeats_count_up(pilot: Pilot[None], screen: InteractionsScreen, home: Path) -> None:
    ids = screen.table.ids
    with DaemonClient.connect(home) as client:
        stored = client.interactions(limit=10).items
    await upload(home, [again(item) for item in stored[2:]])
    await until(pilot, lambda: column(screen, "count")[2:] == ["×2"] * 6, "counts of two")
    assert screen.table.ids == ids, "the same rows: none added"
    assert column(screen, "count")[:2] == ["", ""]


async def filters_narrow(pilot: Pilot[None], screen: InteractionsScreen, home: Path) -> None:
    everything = screen.table.row_count
    await search(pilot, "0000")
    await until(pilot, lambda: column(screen, "path") == [MISSING], "search")
    assert screen.window.total == 1, "the daemon's page is filtered too"
    assert screen.table.has_focus
    await pilot.press("escape")
    await until(pilot, lambda: screen.table.row_count == everything, "search cleared")

    await choose(pilot, screen, "provider", "drag")
    await until(pilot, lambda: column(screen, "operation") == ["getDragon"], "provider")
    await pilot.press("escape")
    await until(pilot, lambda: screen.table.row_count == everything, "provider cleared")

    await choose(pilot, screen, "operation", "getC")
    await until(pilot, lambda: screen.table.row_count == 2, "operation filter")
    assert set(column(screen, "operation")) == {"getCastle"}
    await choose(pilot, screen, "test", "t_get_c")
    await until(pilot, lambda: screen.table.row_count == 1, "operation and test")
    assert column(screen, "status") == ["200"]
    await pilot.press("escape")
    await until(pilot, lambda: screen.table.row_count == everything, "every filter cleared")

    await choose(pilot, screen, "status", "4")
    await until(pilot, lambda: column(screen, "status") == ["404"], "status class")
    assert screen.window.total == 1

    # Live rows obey the filters too: of these two, only the 404 joins.
    gone = interaction(3, response=HttpResponse(status=404, body={"title": "gone"}))
    fine = interaction(4)
    await upload(home, [gone, fine])
    await until(pilot, lambda: screen.table.row_count == 2, "the live 404")
    assert column(screen, "status") == ["404", "404"]
    assert screen.table.row_data(fine.id) is None


async def the_detail_shows_it_all(
    pilot: Pilot[None], screen: InteractionsScreen, castle: CastleProject
) -> None:
    """The castle client's 404 (the first of the two 404s shown), in full."""
    screen.table.focus()
    await pilot.press("up", "enter")
    await until(pilot, lambda: screen.detail.interaction is not None, "the detail")
    assert not screen.detail.has_class("hidden")
    shown = screen.detail.interaction
    assert shown is not None
    assert shown.request.path == MISSING
    assert f"GET {castle.url}{MISSING}" in text_of(screen, "#detail-request-line")
    assert text_of(screen, "#detail-status").startswith("404")
    assert '"error": "not_found"' in text_of(screen, "#detail-response-body")
    match = text_of(screen, "#detail-match")
    assert "Operation: getCastle" in match
    assert "Answer: fixture" in match
    assert "matched GET /castles/{id} (getCastle)" in match
    assert text_of(screen, "#detail-errors") == "none"
    await pilot.press("d")
    assert screen.detail.has_class("hidden")
    await pilot.press("d")
    await until(pilot, lambda: not screen.detail.has_class("hidden"), "the pane again")

    # The light theme colours the cells with its own palette.
    await pilot.press("t")
    await until(pilot, lambda: screen.table.palette.success == LIGHT.success, "light")
    assert screen.table.get_cell(shown.id, "status").style == f"bold {LIGHT.warning}"


async def test_paging_brings_older_rows_within_bounds(daemon: Daemon, home: Path) -> None:
    items = [
        interaction(
            n,
            operation_id=f"getCastle{n}",  # one bucket each: the store keeps them all
            request=HttpRequest(method="GET", path=f"/{'castles' if n % 2 else 'towers'}/{n}"),
        )
        for n in range(450)
    ]
    ids = await upload(home, items)
    assert len(set(ids)) == 450
    app = app_without_project(home)
    async with app.run_test(size=(140, 40)) as pilot:
        _, screen = await open_interactions(pilot)
        table = screen.table
        assert table.ids == ids[-200:], "the newest page, oldest at the top"
        assert table.cursor_row == 199
        assert "251–450 of 450" in status_line(screen)

        table.max_rows = 300  # bounded: paging back drops the newest rows
        await pilot.press("ctrl+home")
        await until(pilot, lambda: table.ids[:1] == ids[50:51], "the older page")
        assert table.ids == ids[50:350]
        assert table.current_id == ids[250], "the cursor stays on its row"
        assert "following" not in status_line(screen)
        assert "100 newer" in status_line(screen)

        await pilot.press("end")
        await until(pilot, lambda: table.ids == ids[-200:], "the newest page again")
        assert table.cursor_row == 199

        await pilot.press("home")
        await until(pilot, lambda: table.ids == ids[:200], "the oldest page")
        assert table.cursor_row == 0
        await pilot.press("ctrl+end")
        await until(pilot, lambda: table.ids == ids[100:400], "the next newer page")
        assert table.current_id == ids[199]

        # Filtered paging: the daemon pages over the matches only.
        await search(pilot, "tow")
        towers = [i for i, item in zip(ids, items, strict=True) if "towers" in item.request.path]
        await until(pilot, lambda: table.ids == towers[-200:], "the towers' newest page")
        assert screen.window.total == 225
        await pilot.press("ctrl+home")
        await until(pilot, lambda: table.ids == towers, "every tower")


async def test_daemon_restart_neither_loses_nor_doubles(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    before = [interaction(n) for n in range(3)]
    await upload(home, before)
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        _, screen = await open_interactions(pilot)
        await until(pilot, lambda: screen.table.row_count == 3, "the stored rows")

        await asyncio.to_thread(daemon.kill)
        await until(pilot, lambda: app.connection.startswith("reconnecting"), "the outage")
        await asyncio.to_thread(daemon.start)
        await until(pilot, lambda: app.connection == "live", "the daemon back")

        # New traffic through the restarted daemon's mock, and repeats of the old rows.
        for path in ("/castles", "/castles?region=Normandie"):
            assert (await mock_get(f"{castle.url}{path}")).status_code == 200
        await upload(home, [again(item) for item in before])
        await until(pilot, lambda: screen.table.row_count == 5, "the new rows")
        await until(pilot, lambda: column(screen, "count")[:3] == ["×2"] * 3, "the repeats")
        with DaemonClient.connect(home) as client:
            stored = client.interactions(limit=100).items
        assert screen.table.ids == [item.id for item in stored]
        assert [item.count for item in stored] == [2, 2, 2, 1, 1]

        # A reload brings the same rows and counts: nothing doubled.
        await pilot.press("r")
        await until(pilot, lambda: not screen.page_loading, "the reload")
        assert screen.table.ids == [item.id for item in stored]
        assert column(screen, "count") == ["×2"] * 3 + [""] * 2


def test_every_binding_is_in_the_palette_and_described() -> None:
    screen_actions = {b.action for b in InteractionsScreen.BINDINGS if isinstance(b, Binding)}
    palette_actions = {command.action for command in InteractionsScreen.PALETTE}
    assert screen_actions == palette_actions
    for binding in InteractionsScreen.BINDINGS:
        assert isinstance(binding, Binding)
        assert binding.description, f"{binding.key} has no description for the footer"
    for command in InteractionsScreen.PALETTE:
        assert callable(getattr(InteractionsScreen, f"action_{command.action}", None))
