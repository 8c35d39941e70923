"""The Verifications screen against a real daemon: the castle client's tests record through
its mock, then `v` verifies the castle service (a broken build, served for real) through
the daemon; the run shows its progress while it runs, then its failures, expected and
actual side by side. Stored verifications from before the daemon restarted are history."""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from textual.widgets import Checkbox, Input, ProgressBar, Static

from entente_daemon.model import ErrorKind, Verification, VerificationResult
from entente_tui.screens.start_verification import StartVerificationScreen
from entente_tui.screens.verifications import VerificationsScreen
from entente_tui.widgets.verification_detail import VerificationDetail
from entente_tui.widgets.verification_failure import FailureCard
from entente_tui.widgets.verification_progress import VerificationProgress
from entente_tui.widgets.verification_table import VerificationTable
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon, interaction

from .conftest import linked, make_app, run_castle_tests, until
from .verifications_helpers import (
    HANDLER_ERROR,
    PROVIDER_VERSION,
    castle_service,
    open_gate,
    provider_project,
    run_rows,
)


async def test_verify_broken_build_progress_then_failures(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    recorded = run_castle_tests(castle, home)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    with castle_service("type-changed") as url:
        folder = provider_project(castle, url)
        app = make_app(castle, home)
        async with app.run_test(size=(140, 40)) as pilot:
            await linked(pilot)
            await pilot.press("2")
            await until(pilot, lambda: isinstance(app.screen, VerificationsScreen), "the screen")
            screen = app.screen
            assert isinstance(screen, VerificationsScreen)

            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, StartVerificationScreen), "the modal")
            modal = app.screen
            # Prefilled: the provider project next to the spec the castle client consumes.
            assert modal.query_one("#verify-project", Input).value == str(folder)
            assert modal.query_one("#verify-base-url", Input).value == url
            handlers = modal.query_one("#verify-state-handlers", Input).value
            assert handlers == "gated_states:HANDLERS"
            assert modal.query_one("#verify-only-new", Checkbox).value is False
            await pilot.press("enter")
            await until(pilot, lambda: app.screen is screen, "the modal to close")

            # Running: held at deleteCastle (the last one), so part of it is done.
            table = screen.query_one(VerificationTable)
            progress = screen.query_one(VerificationProgress)

            def held() -> bool:
                rows = table.rows_shown
                return bool(rows) and rows[0].running and 0 < rows[0].done < rows[0].total

            await until(pilot, held, "the run to show progress")
            run = table.rows_shown[0]
            assert run.provider_version == PROVIDER_VERSION
            assert run_rows(app)[0][0] == "running"
            assert run_rows(app)[0][3] == f"{run.done}/{run.total}"
            (bar,) = progress.bars.values()
            await until(pilot, lambda: bar.bar.progress == run.done, "the bar to move")
            assert bar.bar.total == run.total
            assert progress.display

            open_gate(folder)
            await until(pilot, lambda: table.rows_shown[0].state == "failed", "the finish")
            await until(pilot, lambda: not progress.display, "the progress bar to go")
            finished = table.rows_shown[0]
            assert finished.failed > 0
            assert finished.passed + finished.failed == finished.total
            await until(
                pilot,
                lambda: table.rows_shown[0].consumers == "castle-client 1.0.0",
                "the consumers of what was stored",
            )

            detail = screen.query_one(VerificationDetail)
            await until(pilot, lambda: bool(detail.query(FailureCard)), "the failures")
            cards = list(detail.query(FailureCard))
            get = next(
                c
                for c in cards
                if c.failure.operation_id == "getCastle" and c.failure.kind == "schema_mismatch"
            )
            assert get.failure.path == "$.yearBuilt"
            assert get.failure.consumer == "castle-client 1.0.0"
            assert (get.failure.request or "").startswith("GET /castles/")
            await until(
                pilot, lambda: bool(get.query(".failure-actual .failure-value")), "both sides"
            )
            expected = get.query_one(".failure-expected .failure-value", Static).content
            actual = get.query_one(".failure-actual .failure-value", Static).content
            assert isinstance(expected, Syntax)
            assert isinstance(actual, Syntax)
            assert repr(get.failure.actual)[1:-1] in actual.code
            assert expected.code != actual.code
            title = str(get.query_one(".failure-title", Static).content)
            assert "schema_mismatch at $.yearBuilt" in title

            # enter: into the failures; escape: back to the runs.
            await pilot.press("enter")
            assert detail.has_focus
            await pilot.press("escape")
            assert table.has_focus


def report_runs(daemon: Daemon) -> tuple[str, str]:
    """Through the daemon's run endpoints: a finished run of castle-service 3.1.0 (one
    interaction passed, one failed in its state handler) and a run of 3.2.0 still going
    (1 of 3 done). Their ids."""
    with daemon.client() as client:
        stored = client.upload_interactions([interaction(7)]).ids[0]
        finished = client.open_verification_run("castle-service", "3.1.0", total=2)
        client.finish_verification_run(
            finished.id,
            [
                Verification(
                    provider="castle-service",
                    provider_version="3.1.0",
                    consumer="castle-client",
                    consumer_version="1.0.0",
                    results=[
                        VerificationResult(interaction_id="gone", ok=True),
                        VerificationResult(
                            interaction_id=stored,
                            operation_id="getCastle",
                            ok=False,
                            error_kind=ErrorKind.STATE_HANDLER_ERROR,
                            message=HANDLER_ERROR,
                        ),
                    ],
                )
            ],
        )
        going = client.open_verification_run("castle-service", "3.2.0", total=3)
        client.report_verification_progress(going.id, done=1, passed=0, failed=1)
    return finished.id, going.id


async def test_runs_across_a_daemon_restart_history_refresh_and_the_modal_refusing(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    """A run still going when the daemon restarts cannot finish (its reports go nowhere):
    the screen says so instead of showing it running forever, and lists nothing twice. A
    TUI started afterwards lists the finished run from the store (the daemon keeps runs in
    memory only). `r` reads again; the modal says what is wrong with what was typed."""
    finished, going = report_runs(daemon)
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, VerificationsScreen), "the screen")
        screen = app.screen
        table = screen.query_one(VerificationTable)
        progress = screen.query_one(VerificationProgress)
        await until(
            pilot,
            lambda: (
                [(r.key, r.state, r.done) for r in table.rows_shown]
                == [(f"run:{going}", "running", 1), (f"run:{finished}", "failed", 2)]
            ),
            "both runs",
        )
        (bar,) = progress.bars.values()
        await until(pilot, lambda: (bar.bar.progress, bar.bar.total) == (1, 3), "the bar")
        assert "-failing" in bar.classes
        await pilot.press("down")  # the finished run: its failures come from the daemon
        detail = screen.query_one(VerificationDetail)
        await until(
            pilot,
            lambda: [c.failure.request for c in detail.query(FailureCard)] == ["GET /castles/7"],
            "the finished run's failure",
        )
        (card,) = detail.query(FailureCard)
        assert card.failure.state_handler_error == HANDLER_ERROR
        assert "kind-state_handler_error" in card.classes

        daemon.stop()
        await until(pilot, lambda: app.connection != "live", "the TUI to notice")
        daemon.start()
        await until(pilot, lambda: app.connection == "live", "the stream to resume")
        await until(pilot, lambda: table.rows_shown[0].state == "error", "the run to be lost")
        assert [r.key for r in table.rows_shown] == [f"run:{going}", f"run:{finished}"]
        assert not progress.display
        await pilot.press("up")
        await until(
            pilot,
            lambda: any("no longer follows" in str(s.content) for s in detail.query(Static)),
            "the reason in the detail",
        )

    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        await linked(pilot)
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, VerificationsScreen), "the screen")
        screen = app.screen
        assert isinstance(screen, VerificationsScreen)
        table = screen.query_one(VerificationTable)
        await until(pilot, lambda: len(table.rows_shown) == 1, "the stored verification")
        row = table.rows_shown[0]
        assert row.key.startswith("stored:")
        assert (row.provider_version, row.consumers) == ("3.1.0", "castle-client 1.0.0")
        assert (row.passed, row.failed, row.state) == (1, 1, "failed")
        detail = screen.query_one(VerificationDetail)
        await until(
            pilot,
            lambda: [c.failure.request for c in detail.query(FailureCard)] == ["GET /castles/7"],
            "the stored failure with its request",
        )
        (card,) = detail.query(FailureCard)
        assert (card.failure.kind, card.failure.state_handler_error) == (
            "state_handler_error",
            HANDLER_ERROR,
        )

        await pilot.press("r")
        await until(pilot, lambda: len(table.rows_shown) == 1, "the same run after refresh")
        titles = [title for title, _, _ in screen.palette_commands()]
        assert titles == ["Verify a provider", "Show failures", "Refresh verifications"]

        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, StartVerificationScreen), "the modal")
        modal = app.screen
        assert isinstance(modal, StartVerificationScreen)
        # The castle client consumes and provides nothing: no provider project is known.
        assert modal.query_one("#verify-project", Input).value == ""
        await pilot.press("enter")
        error = modal.query_one("#verify-error", Static)
        assert "Say which provider project" in str(error.content)
        modal.query_one("#verify-project", Input).value = str(castle.spec.parent)
        modal.query_one("#verify-base-url", Input).value = "localhost:8000"
        await pilot.press("ctrl+s")
        assert "is not an http:// or https:// URL" in str(error.content)
        assert isinstance(app.screen, StartVerificationScreen)
        await pilot.click("#verify-only-new")
        assert modal.request.only_new is True
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "the modal to close")
        assert [r.key for r in table.rows_shown] == [row.key]
        assert not list(screen.query(ProgressBar))
