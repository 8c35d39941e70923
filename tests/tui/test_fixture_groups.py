"""Group decisions on the Fixtures screen: on a group header ``a``/``r`` point at the keys that
really decide for a group, ``A`` approves and ``R`` rejects the whole group, each only once
confirmed in a modal that says what happens to how many fixtures (escape cancels)."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding
from textual.widgets import Static

from entente_daemon.model import FixtureStatus
from entente_tui.screens.confirm import ConfirmScreen
from entente_tui.screens.help import HelpScreen
from entente_tui.screens.reject_note import RejectNoteScreen
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon

from .conftest import make_app, until
from .fixtures_helpers import castle_fixture, list_fixture, plain, statuses, upload
from .test_fixtures import GET_GROUP, LIST_GROUP, open_fixtures


async def test_group_keys_say_what_they_do_and_ask_first(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    gets = [castle_fixture(f"Castle {n}", n=n) for n in range(3)]
    lists = [list_fixture(1), list_fixture(2)]
    with daemon.client() as client:
        upload(client, *gets, *lists)
        app = make_app(castle, home)
        async with app.run_test(size=(140, 40)) as pilot:
            screen, table = await open_fixtures(pilot, rows=7)
            notes: list[str] = []
            app.notify = lambda message, **_kw: notes.append(str(message))  # type: ignore[method-assign]

            # r on a group header names R (reject the group), never A (which approves).
            table.move_cursor(row=table.get_row_index(GET_GROUP))
            await pilot.press("r")
            assert notes[-1] == (
                "The cursor is on a group: select fixtures with space, or press R to reject "
                "the whole group."
            )
            await pilot.press("a")
            assert "press A to approve the whole group" in notes[-1]

            # A asks first: how many fixtures, and what happens; escape leaves them all.
            await pilot.press("A")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
            question = plain(app.screen.query_one("#note-title", Static)).strip()
            assert question == "Approve all 3 pending fixtures of castle-service › getCastle?"
            consequence = plain(app.screen.query_one("#confirm-consequence", Static)).strip()
            assert "3 fixtures become approved" in consequence
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen, "the question to close")
            assert set(statuses(client).values()) == {FixtureStatus.DRAFT}, "nothing decided"

            # R rejects the whole group with one note, once confirmed with enter.
            table.move_cursor(row=table.get_row_index(lists[0].id))
            await pilot.press("R")
            await until(pilot, lambda: isinstance(app.screen, RejectNoteScreen), "the note")
            title = plain(app.screen.query_one("#note-title", Static)).strip()
            assert title.startswith("Reject all 2 pending fixtures of castle-service › listCastles")
            await pilot.press(*"not ours", "enter")
            await until(
                pilot,
                lambda: all(statuses(client)[f.id] is FixtureStatus.REJECTED for f in lists),
                "the listCastles group to be rejected",
            )
            assert all(statuses(client)[f.id] is FixtureStatus.DRAFT for f in gets)
            stored = {f.id: f for f in client.fixtures()}
            assert all(stored[f.id].notes == "not ours" for f in lists)
            await until(pilot, lambda: table.row_count == 4, "only getCastle's drafts")
            assert LIST_GROUP not in [str(key.value) for key in table.rows]

            # A, enter: the getCastle group approved.
            table.move_cursor(row=table.get_row_index(gets[1].id))
            await pilot.press("A", "enter")
            await until(
                pilot,
                lambda: all(statuses(client)[f.id] is FixtureStatus.APPROVED for f in gets),
                "the getCastle group to be approved",
            )

            # The group reject is a key with an id, in the help and in the palette.
            assert any(
                isinstance(b, Binding) and b.id == "fixtures.reject_group" and b.key == "R"
                for b in screen.BINDINGS
            )
            assert "Reject group" in [command.title for command in screen.PALETTE]
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
            assert "Reject all" in " ".join(plain(s) for s in app.screen.query(Static))
