"""The Fixtures screen against a real daemon: drafts uploaded as a verification would, decided
with the keyboard, and the hosted castle mock's answers changing with each decision."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from entente_daemon.model import FixtureFlag, FixtureStatus
from entente_tui.app import EntenteApp
from entente_tui.screens.fixture_detail import FixtureDetailScreen
from entente_tui.screens.fixtures import FixturesScreen
from entente_tui.screens.reject_note import EditNotesScreen, RejectNoteScreen
from entente_tui.widgets.fixture_panels import FixtureProblems, FixtureSchemas
from entente_tui.widgets.fixture_table import FixtureTable, group_key
from entente_tui.widgets.fixture_tabs import FixtureTabs
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon

from .conftest import linked, make_app, until
from .fixtures_helpers import (
    PROVIDER,
    castle_fixture,
    cell,
    list_fixture,
    plain,
    statuses,
    stored,
    upload,
    wait_for_answer,
)

GET_GROUP = group_key((PROVIDER, "getCastle"))
LIST_GROUP = group_key((PROVIDER, "listCastles"))


async def open_fixtures(pilot: Pilot[None], rows: int) -> tuple[FixturesScreen, FixtureTable]:
    """Link, show the Fixtures screen and wait until its table holds ``rows`` rows."""
    app = await linked(pilot)
    await pilot.press("3")
    await until(pilot, lambda: isinstance(app.screen, FixturesScreen), "the Fixtures screen")
    screen = app.screen
    assert isinstance(screen, FixturesScreen)
    table = screen.query_one(FixtureTable)
    await until(pilot, lambda: table.row_count == rows, f"{rows} rows in the fixture table")
    return screen, table


async def wait_mock_serving(pilot: Pilot[None], app: EntenteApp, castle: CastleProject) -> None:
    await until(
        pilot,
        lambda: any(m.port == castle.port and m.state == "running" for m in app.mocks),
        "the castle mock to serve",
    )


async def test_groups_counts_lists_and_live_drafts(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    with daemon.client() as client:
        upload(client, *(castle_fixture(f"Castle {n}", n=n) for n in range(3)))
        upload(client, list_fixture(1), list_fixture(2))
        app = make_app(castle, home)
        async with app.run_test(size=(140, 40)) as pilot:
            screen, table = await open_fixtures(pilot, rows=7)  # 2 group headers + 5
            assert cell(table, GET_GROUP, "request") == "3 fixtures"
            assert cell(table, LIST_GROUP, "request") == "2 fixtures"
            assert app.pending_fixtures == 5
            tabs = screen.query_one(FixtureTabs)
            assert tabs.counts == {"pending": 5, "approved": 0, "rejected": 0}

            # A new draft arrives while the screen shows: its row and the counts follow.
            [late] = upload(client, castle_fixture("Late", n=9))
            await until(pilot, lambda: table.row_count == 8, "the new draft's row")
            assert cell(table, GET_GROUP, "request") == "4 fixtures"
            assert cell(table, late.id, "request") == f"GET {late.request.path}"
            assert cell(table, late.id, "source") == "provider"
            assert app.pending_fixtures == 6

            # Enter on a group header folds it; again unfolds it.
            table.move_cursor(row=0)
            await pilot.press("enter")
            await until(pilot, lambda: table.row_count == 4, "the getCastle group to fold")
            await pilot.press("enter")
            await until(pilot, lambda: table.row_count == 8, "the group to unfold")

            # `s` cycles Pending -> Approved -> Rejected -> Pending.
            empty = screen.query_one("#fixtures-empty", Static)
            await pilot.press("s")
            assert tabs.current == "approved"
            assert empty.display
            assert not table.display
            assert "No approved fixtures" in plain(empty)
            await pilot.press("s")
            assert tabs.current == "rejected"
            await pilot.press("s")
            assert tabs.current == "pending"
            assert table.display
            assert table.row_count == 8

            # Away from the screen, the navigation bar's count still follows.
            await pilot.press("1")
            await until(pilot, lambda: app.screen.name == "interactions", "Interactions")
            upload(client, list_fixture(7))
            await until(pilot, lambda: app.pending_fixtures == 7, "the badge to count 7")
            await pilot.press("3")
            await until(pilot, lambda: table.row_count == 9, "the draft added meanwhile")

            # The command palette has the screen's actions.
            await pilot.press("ctrl+p")
            await pilot.press(*"Show rejected fixtures")
            await pilot.press("enter")
            await until(pilot, lambda: tabs.current == "rejected", "the palette to switch")


async def test_approve_feeds_the_mock_and_reject_takes_it_away(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    draft = castle_fixture("Château de la Fixture", n=1)
    with daemon.client() as client:
        upload(client, draft)
        app = make_app(castle, home)
        async with app.run_test(size=(140, 40)) as pilot:
            screen, table = await open_fixtures(pilot, rows=2)
            await wait_mock_serving(pilot, app, castle)
            body = await wait_for_answer(pilot, castle.url, draft, "example")
            assert body["name"] != draft.response.body["name"]  # drafts do not feed mocks

            table.move_cursor(row=1)
            assert table.current_fixture() is not None
            await pilot.press("a")
            await until(
                pilot,
                lambda: stored(client, draft.id).status is FixtureStatus.APPROVED,
                "the daemon to store the approval",
            )
            body = await wait_for_answer(pilot, castle.url, draft, "fixture")
            assert body == draft.response.body
            await until(pilot, lambda: table.row_count == 0, "the pending list to empty")
            assert app.pending_fixtures == 0

            await pilot.press("s")  # the approved list
            await until(pilot, lambda: table.row_count == 2, "the approved fixture's row")
            table.move_cursor(row=1)
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, RejectNoteScreen), "the note")
            await pilot.press(*"wrong castle")
            await pilot.press("enter")
            await until(
                pilot,
                lambda: stored(client, draft.id).status is FixtureStatus.REJECTED,
                "the daemon to store the rejection",
            )
            assert stored(client, draft.id).notes == "wrong castle"
            await wait_for_answer(pilot, castle.url, draft, "example")
            await until(pilot, lambda: table.row_count == 0, "the approved list to empty")

            await pilot.press("s")  # the rejected list, with the note
            await until(pilot, lambda: table.row_count == 2, "the rejected fixture's row")
            assert cell(table, draft.id, "notes") == "wrong castle"
            assert screen.query_one(FixtureTabs).counts["rejected"] == 1


async def test_select_bulk_approve_and_approve_group(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    gets = [castle_fixture(f"Castle {n}", n=n) for n in range(3)]
    lists = [list_fixture(1), list_fixture(2)]
    with daemon.client() as client:
        upload(client, *gets, *lists)
        app = make_app(castle, home)
        async with app.run_test(size=(140, 40)) as pilot:
            screen, table = await open_fixtures(pilot, rows=7)
            table.move_cursor(row=1)  # the first getCastle fixture
            await pilot.press("space", "space")  # selects it and the next (space moves on)
            assert screen.selected == {gets[0].id, gets[1].id}
            assert cell(table, gets[0].id, "sel") == "●"
            assert cell(table, gets[2].id, "sel") == ""
            assert "2 selected" in cell(table, GET_GROUP, "request")
            await pilot.press("a")
            await until(
                pilot,
                lambda: statuses(client)[gets[1].id] is FixtureStatus.APPROVED,
                "the selected fixtures to be approved",
            )
            now = statuses(client)
            assert now[gets[0].id] is FixtureStatus.APPROVED
            assert now[gets[2].id] is FixtureStatus.DRAFT
            await until(pilot, lambda: table.row_count == 5, "the approved rows to leave")
            assert screen.selected == set()
            current = table.current_fixture()  # the cursor stayed on the row it was on
            assert current is not None
            assert current.id == gets[2].id

            # `A` on a row of the listCastles group approves the whole group.
            table.move_cursor(row=table.get_row_index(lists[0].id))
            await pilot.press("A", "enter")  # enter confirms the group decision
            await until(
                pilot,
                lambda: all(statuses(client)[f.id] is FixtureStatus.APPROVED for f in lists),
                "the listCastles group to be approved",
            )
            assert statuses(client)[gets[2].id] is FixtureStatus.DRAFT
            await until(pilot, lambda: table.row_count == 2, "only getCastle's last draft")
            assert app.pending_fixtures == 1


async def test_detail_shows_schema_and_problems(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    broken = castle_fixture("Broken", n=4, body={"id": "nope", "name": "Half a castle"})
    flagged = castle_fixture("Flagged", n=5).model_copy(
        update={"flag": FixtureFlag(problems=["operation gone"], checked_against="test")}
    )
    with daemon.client() as client:
        upload(client, broken, flagged)
        app = make_app(castle, home)
        async with app.run_test(size=(140, 40)) as pilot:
            _, table = await open_fixtures(pilot, rows=3)
            assert cell(table, broken.id, "flag") == ""  # not checked by the daemon yet
            assert cell(table, flagged.id, "flag") == "⚑"
            assert cell(table, GET_GROUP, "flag") == "1"
            await wait_mock_serving(pilot, app, castle)
            table.move_cursor(row=1)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, FixtureDetailScreen), "detail")
            detail = app.screen
            problems = detail.query_one(FixtureProblems)
            await until(pilot, lambda: problems.problems is not None, "the daemon's check")
            assert problems.problems is not None
            joined = "\n".join(problems.problems)
            assert "$.region" in joined
            assert "$.yearBuilt" in joined
            assert problems.has_class("-problems")
            schemas = detail.query_one(FixtureSchemas)
            assert schemas.operation is not None
            assert schemas.operation.operation_id == "getCastle"
            shown = plain(schemas)
            assert '"required": [' in shown
            assert '"yearBuilt": {' in shown
            assert "spec: " in shown
            assert "Half a castle" in plain(detail.query_one("#detail-exchange", Static))
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, FixturesScreen), "the list")


async def test_edit_notes_and_cancel_a_rejection(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    draft = castle_fixture("Noted", n=2)
    with daemon.client() as client:
        upload(client, draft)
        app = make_app(castle, home)
        async with app.run_test(size=(140, 40)) as pilot:
            _, table = await open_fixtures(pilot, rows=2)
            table.move_cursor(row=1)
            # A rejection cancelled with escape changes nothing.
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, RejectNoteScreen), "the note")
            await pilot.press(*"no")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, FixturesScreen), "the list")
            assert table.row_count == 2
            assert stored(client, draft.id).status is FixtureStatus.DRAFT

            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, EditNotesScreen), "the notes")
            await pilot.press(*"ask the team")
            await pilot.press("enter")
            await until(
                pilot,
                lambda: stored(client, draft.id).notes == "ask the team",
                "the notes to be stored",
            )
            await until(
                pilot,
                lambda: cell(table, draft.id, "notes") == "ask the team",
                "the notes in the table",
            )
            # Emptied: the notes are cleared.
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, EditNotesScreen), "the notes")
            app.screen.query_one(Input).value = ""
            await pilot.press("enter")
            await until(pilot, lambda: stored(client, draft.id).notes is None, "cleared notes")


async def test_at_80_columns_every_column_shows_and_the_provider_is_named_once(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    """At 80×24 nothing scrolls sideways (status, source and time show), and a fixture's row
    does not repeat the provider and operation that its group's header names."""
    with daemon.client() as client:
        [draft] = upload(client, castle_fixture("Narrow", n=1))
        app = make_app(castle, home)
        async with app.run_test(size=(80, 24)) as pilot:
            _screen, table = await open_fixtures(pilot, rows=2)  # the header and the draft
            await until(
                pilot,
                lambda: table.virtual_size.width <= table.scrollable_content_region.width,
                "the table to fit the terminal's width",
            )
            assert cell(table, GET_GROUP, "operation") == "▾ getCastle"
            assert cell(table, draft.id, "operation") == ""
            assert cell(table, draft.id, "source") == "provider"
            assert PROVIDER not in " ".join(str(c) for c in table.get_row(draft.id))
