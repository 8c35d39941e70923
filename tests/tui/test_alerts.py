"""The Alerts screen against a real daemon: break the castle spec as an editor would and see
the alert (file and line), the badge and the toast; fix it and see the reload; details,
clear and show-again with the keyboard; alerts already there when the TUI starts."""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from textual.widgets import Static

from entente_tui.screens.alert_detail import AlertDetailScreen
from entente_tui.screens.alerts import AlertsScreen
from entente_tui.widgets.alert_table import AlertTable
from entente_tui.widgets.nav_bar import NavBar
from tests.daemon.castle_project import CastleProject, is_event, wait_for_event
from tests.daemon.conftest import Daemon

from .alerts_helpers import alert_rows, broken_spec, delivered, toasts
from .conftest import linked, make_app, until


async def test_spec_error_badge_toast_details_reload_clear(
    daemon: Daemon, castle: CastleProject, home: Path, tmp_path: Path
) -> None:
    good = castle.spec.read_text(encoding="utf-8")
    broken, line, column = broken_spec(good, tmp_path / "scratch")
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        await until(pilot, lambda: any(m.port == castle.port for m in app.mocks), "the mock")
        assert app.screen.name == "interactions"

        castle.write_spec(broken)
        await until(pilot, lambda: app.unseen_alerts >= 1, "the unseen-alert count to rise")
        assert any(title == "spec.error" for title, _ in toasts(app)), toasts(app)
        badge = app.screen.query_one(NavBar)
        assert badge.unseen_alerts == app.unseen_alerts
        assert f" {app.unseen_alerts} " in str(badge.render())

        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the Alerts screen")
        assert app.unseen_alerts == 0
        where = f"castle-service/openapi.yaml:{line}:{column}"
        await until(
            pilot,
            lambda: any(r[0] == "spec.error" and r[1] == where for r in alert_rows(app)),
            f"a spec.error row at {where}",
        )
        kind, _, what = alert_rows(app)[0]
        assert kind == "spec.error"
        assert "YAML syntax error" in what

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AlertDetailScreen), "the details")
        text = str(app.screen.query_one("#alert-detail-text", Static).content)
        assert "YAML syntax error" in text
        assert f"openapi.yaml:{line}:{column}" in text
        context = app.screen.query_one("#alert-detail-context", Static)
        await until(pilot, lambda: isinstance(context.content, Syntax), "the spec's lines")
        assert isinstance(context.content, Syntax)
        assert "{unclosed" in context.content.code
        assert line in context.content.highlight_lines
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the Alerts screen")

        castle.write_spec(good)
        await until(
            pilot,
            lambda: bool(alert_rows(app)) and alert_rows(app)[0][0] == "spec.reloaded",
            "a spec.reloaded row on top",
        )
        kind, reloaded_where, what = alert_rows(app)[0]
        assert reloaded_where.startswith("castle-service/openapi.yaml")
        assert "castle-service" in what
        assert "4 operations" in what
        assert app.unseen_alerts == 0  # seen as they came: the Alerts screen was showing

        before = len(alert_rows(app))
        assert before >= 2
        await pilot.press("c")
        table = app.screen.query_one(AlertTable)
        assert table.row_count == 0
        assert app.screen.query_one("#alerts-empty", Static).display
        summary = str(app.screen.query_one("#alerts-summary", Static).content)
        assert f"{before} cleared" in summary
        await pilot.press("u")
        assert len(alert_rows(app)) == before
        assert isinstance(app.screen, AlertsScreen)
        titles = [title for title, _, _ in app.screen.palette_commands()]
        assert titles == ["Alert details", "Clear alerts", "Show cleared alerts"]


async def test_alerts_there_before_the_tui_started(
    daemon: Daemon, castle: CastleProject, home: Path, tmp_path: Path
) -> None:
    """A spec broken before the TUI starts: the daemon's alert list has it."""
    broken, line, column = broken_spec(castle.spec.read_text(encoding="utf-8"), tmp_path / "s")
    with daemon.client() as client:
        client.attach_project(castle.config)
        since = client.events_since(0, 1).last_seq
        castle.write_spec(broken)
        wait_for_event(client, since, is_event("spec.error", line=line), what="the spec error")
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the Alerts screen")
        where = f"castle-service/openapi.yaml:{line}:{column}"
        await until(
            pilot,
            lambda: any(r[0] == "spec.error" and r[1] == where for r in alert_rows(app)),
            f"the spec.error row at {where}",
        )


async def test_alerts_kept_across_a_daemon_restart(
    daemon: Daemon, castle: CastleProject, home: Path, tmp_path: Path
) -> None:
    """The daemon forgets its alerts when it restarts; the screen does not, and lists each
    alert once (the stream resumes from the last event, the list is merged by sequence)."""
    broken, line, column = broken_spec(castle.spec.read_text(encoding="utf-8"), tmp_path / "s")
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        await until(pilot, lambda: any(m.port == castle.port for m in app.mocks), "the mock")
        await pilot.press("4")
        await until(pilot, lambda: isinstance(app.screen, AlertsScreen), "the Alerts screen")
        castle.write_spec(broken)
        await until(pilot, lambda: len(alert_rows(app)) == 1, "the spec error")
        first = app.screen.query_one(AlertTable).alerts[0]

        daemon.kill()
        await until(pilot, lambda: app.connection != "live", "the TUI to notice")
        daemon.start()
        await until(pilot, lambda: app.connection == "live", "the stream to resume")
        # Started again, the daemon loads the broken spec again: a new alert.
        await until(pilot, lambda: len(alert_rows(app)) == 2, "the new spec error")
        alerts = app.screen.query_one(AlertTable).alerts
        # The daemon's list may show it before the stream brings it: let the stream catch up.
        await until(pilot, lambda: delivered(app, alerts[0].seq), "the stream to deliver it")
        assert [a.seq for a in app.screen.query_one(AlertTable).alerts] == [a.seq for a in alerts]
        assert [a.seq for a in alerts][1] == first.seq
        assert alerts[0].seq > first.seq
        assert len({a.seq for a in alerts}) == 2
        where = f"castle-service/openapi.yaml:{line}:{column}"
        assert [r[1] for r in alert_rows(app)] == [where, where]
