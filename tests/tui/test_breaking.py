"""Breaking-change alerts in the TUI against a real daemon: remove ``region`` from the castle
spec (the castle client's recorded test reads it) and see the alert, grouped by save with a
row per change naming castle-client, the toast, the badge and the header's mark; ``enter``
shows the change (both sides of the schema, the interaction it breaks), ``n``/``p`` step
through, ``escape`` closes; undo the edit and see it all go. An alert standing before the
TUI starts is loaded on connect."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from entente_tui.app import EntenteApp
from entente_tui.screens.alerts import AlertsScreen
from entente_tui.screens.breaking_detail import BreakingDetailScreen
from entente_tui.widgets.alert_table import AlertTable
from entente_tui.widgets.nav_bar import NavBar
from entente_tui.widgets.status_header import StatusHeader
from tests.daemon.castle_project import CastleProject, is_event, last_seq, wait_for_event
from tests.daemon.conftest import Daemon
from tests.daemon.test_breaking import get_castle, without_region

from .alerts_helpers import alert_rows, toasts
from .conftest import linked, make_app, until

BREAKING = "spec.breaking_change"


def header(app: EntenteApp) -> str:
    return str(app.screen.query_one(StatusHeader).render())


def text_of(app: EntenteApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_a_save_that_breaks_castle_client_alerts_and_undoing_it_clears(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    good = castle.spec.read_text(encoding="utf-8")
    with daemon.client() as client:
        client.upload_interactions([get_castle()])
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        await until(pilot, lambda: any(m.port == castle.port for m in app.mocks), "the mock")

        castle.write_spec(without_region(good))
        await until(pilot, lambda: bool(app.breaking), "the breaking change")
        assert f"castle-service :{castle.port} ⚠ breaks castle-client" in header(app)
        assert any(title == BREAKING for title, _ in toasts(app)), toasts(app)
        assert app.unseen_alerts >= 1
        assert f" {app.unseen_alerts} " in str(app.screen.query_one(NavBar).render())

        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the Alerts screen")
        await until(pilot, lambda: any(r[0] == BREAKING for r in alert_rows(app)), "the row")
        rows = alert_rows(app)
        at = next(i for i, r in enumerate(rows) if r[0] == BREAKING)
        kind, where, what = rows[at]
        assert where.startswith("castle-service castle-service/openapi.yaml")
        assert "breaks castle-client 1.0.0" in what
        change_rows = rows[at + 1 :]
        assert change_rows, "a row per change under the save's row"
        first_level, first_place, first_line = change_rows[0]
        assert first_level.strip() == "breaking"
        assert "GET /castles/{id}" in first_place
        assert "response-property-removed: breaks castle-client 1.0.0" in first_line

        table = app.screen.query_one(AlertTable)
        assert table.cursor_row == 0
        for _ in range(at + 1):
            await pilot.press("down")
        assert table.current_row is not None
        assert table.current_row[1] == 0  # the save's first change
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BreakingDetailScreen), "the detail")
        assert "response-property-removed" in text_of(app, "#breaking-title")
        assert "region" in text_of(app, "#breaking-old")
        assert "region" not in text_of(app, "#breaking-new")
        assert "breaks castle-client 1.0.0 (test_get_castle)" in text_of(app, "#breaking-impacts")
        await until(
            pilot,
            lambda: "castle-client 1.0.0" in text_of(app, "#breaking-interaction"),
            "the recorded interaction",
        )
        assert "Centre" in text_of(app, "#breaking-interaction")  # the region it read
        screen = app.screen
        assert isinstance(screen, BreakingDetailScreen)
        count = len(screen.alert.changes)
        await pilot.press("n")
        assert screen.index == (1 % count)
        await pilot.press("p")
        assert screen.index == 0
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the Alerts screen")

        castle.write_spec(good)
        await until(pilot, lambda: not app.breaking, "the alert to clear")
        await until(pilot, lambda: all(r[0] != BREAKING for r in alert_rows(app)), "the rows to go")
        assert all(not r[0].startswith("  ") for r in alert_rows(app))
        assert "breaks castle-client" not in header(app)


async def test_an_alert_standing_before_the_tui_started_is_loaded_on_connect(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    good = castle.spec.read_text(encoding="utf-8")
    with daemon.client() as client:
        client.upload_interactions([get_castle()])
        client.attach_project(castle.config)
        since = last_seq(client)
        castle.write_spec(without_region(good))
        wait_for_event(client, since, is_event(BREAKING), what="the breaking change")
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        await until(pilot, lambda: bool(app.breaking), "the standing alert")
        assert f"castle-service :{castle.port} ⚠ breaks castle-client" in header(app)
        await pilot.press("4")
        await until(pilot, lambda: any(r[0] == BREAKING for r in alert_rows(app)), "the row")
