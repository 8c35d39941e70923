"""The Deploy readiness screen against a real daemon: the matrix of each environment, the
selected pair and can-i-deploy's answer with its reasons and next steps, ``enter`` to the
verification behind a pair, ``d`` to record a deployment (after a yes; nothing after a no),
and the matrix following deployments and verifications as they are recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import Static

from entente_tui.app import EntenteApp
from entente_tui.screens.confirm import ConfirmScreen
from entente_tui.screens.deploy import DeployScreen
from entente_tui.screens.help import HelpScreen
from entente_tui.screens.verifications import VerificationsScreen
from entente_tui.widgets.verification_detail import VerificationDetail
from tests.daemon.conftest import Daemon

from .conftest import linked, until
from .deploy_helpers import (
    CONSUMER,
    PROVIDER,
    contract,
    deploy,
    deploy_daemon,
    text_of,
    verification,
)

__all__ = ["deploy_daemon"]  # the fixture, used by name


def make_app(home: Path) -> EntenteApp:
    return EntenteApp(None, home=home, start_daemon=False)


async def deploy_screen(pilot: Pilot[None]) -> DeployScreen:
    """Press 5 and wait for the matrix of the first environment."""
    app = await linked(pilot)
    await until(pilot, lambda: app.screen.name == "interactions", "the first screen")
    await pilot.press("5")
    await until(pilot, lambda: isinstance(app.screen, DeployScreen), "the Deploy screen")
    screen = app.screen
    assert isinstance(screen, DeployScreen)
    await until(
        pilot,
        lambda: (screen.matrix is not None or screen.problem is not None) and not screen.reading,
        f"the matrix (reading: {screen.reading})",
    )
    assert screen.problem is None, screen.problem
    return screen


def rows(screen: DeployScreen) -> list[tuple[str, str, str]]:
    """(state, consumer, provider) of each row as shown."""
    table = screen.table
    return [
        (
            str(table.get_cell_at(Coordinate(r, 0))),
            str(table.get_cell_at(Coordinate(r, 1))),
            str(table.get_cell_at(Coordinate(r, 2))),
        )
        for r in range(table.row_count)
    ]


def answer(screen: DeployScreen) -> str:
    return text_of(screen.answer.query_one("#deploy-answer-text", Static))


def header(screen: DeployScreen) -> str:
    return text_of(screen.query_one("#deploy-environments", Static)) + text_of(
        screen.query_one("#deploy-live", Static)
    )


async def answered(pilot: Pilot[None], screen: DeployScreen, wanted: str) -> str:
    await until(pilot, lambda: wanted in answer(screen), f"the answer to say {wanted!r}")
    return answer(screen)


async def test_each_environment_s_matrix_with_symbols_and_e_to_the_next(
    deploy_daemon: Daemon, home: Path
) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await deploy_screen(pilot)
        assert screen.environments == ["production", "staging", "test"]
        assert screen.environment == "production"
        assert rows(screen) == [
            ("✔ verified", f"○ {CONSUMER} 1.0.0", f"● {PROVIDER} 2.0.0"),
            ("✘ failed", f"○ {CONSUMER} 1.0.0", f"○ {PROVIDER} 3.0.0"),
        ]
        assert f"live in production: {PROVIDER} 2.0.0" in header(screen)

        await pilot.press("e")
        await until(
            pilot,
            lambda: screen.matrix is not None and screen.matrix.environment == "staging",
            "the staging matrix",
        )
        assert rows(screen)[0] == ("✘ failed", f"○ {CONSUMER} 1.0.0", f"● {PROVIDER} 3.0.0")
        assert "live in staging: castle-service 3.0.0" in header(screen)

        await pilot.press("e")
        await until(pilot, lambda: screen.environment == "test", "the test environment")
        await until(pilot, lambda: bool(rows(screen)) and not screen.reading, "its matrix")
        assert rows(screen)[0] == ("? unknown", f"○ {CONSUMER} 1.0.0", f"● {PROVIDER} 4.0.0")

        await pilot.press("e")  # round again
        await until(pilot, lambda: screen.environment == "production", "production again")


async def test_the_selected_pair_and_can_i_deploy_with_reasons_and_next_steps(
    deploy_daemon: Daemon, home: Path
) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await deploy_screen(pilot)
        said = await answered(pilot, screen, "Can castle-client 1.0.0 deploy to production? ✔ yes")
        assert "✔ verified" in said
        assert "verification verification-" in said
        assert "2 passed, 0 failed" in said
        assert "every pair is verified" in said

        await pilot.press("e")  # staging: 3.0.0 is live there and failed the contract
        said = await answered(pilot, screen, "Can castle-client 1.0.0 deploy to staging? ✘ no")
        assert "1 pair failed verification" in said
        assert f"✘ {PROVIDER} 3.0.0: 2 of castle-client 1.0.0's 2 interactions failed" in said
        assert "Next:" in said
        assert "→ fix castle-service 3.0.0 or castle-client 1.0.0, then run" in said
        assert "`entente verify --provider castle-service --provider-version 3.0.0`" in said

        await pilot.press("p")  # the provider version of the pair instead
        said = await answered(pilot, screen, "Can castle-service 3.0.0 deploy to staging?")
        assert "✔ yes" in said  # castle-client is not live in staging: nothing holds it back
        assert "no consumer version in staging has a contract with castle-service" in said
        await pilot.press("p")
        await answered(pilot, screen, "Can castle-client 1.0.0 deploy to staging?")

        await pilot.press("question_mark")  # the help lists the screen's keys
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        helped = " ".join(text_of(s) for s in app.screen.query(Static))
        for description in ("Environment", "Verification", "Ask for provider", "Record deployment"):
            assert description in helped


async def test_enter_opens_the_verification_behind_a_pair(
    deploy_daemon: Daemon, home: Path
) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await deploy_screen(pilot)
        await pilot.press("down")  # ✘ castle-service 3.0.0
        await until(pilot, lambda: screen.table.current is not None, "a pair")
        cell = screen.table.current
        assert cell is not None
        assert cell.state == "failed"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, VerificationsScreen), "Verifications")
        verifications = app.screen
        assert isinstance(verifications, VerificationsScreen)

        def opened() -> bool:
            row = verifications.table.current
            return (
                row is not None
                and "verification-3.0.0-failed" in row.verification_ids
                and isinstance(app.focused, VerificationDetail)
            )

        await until(pilot, opened, "the failed verification, its failures open")

        # a pair no verification stands behind: enter says so and stays
        await pilot.press("5")
        await until(pilot, lambda: app.screen is screen, "the Deploy screen again")
        await pilot.press("e", "e")
        await until(pilot, lambda: screen.environment == "test" and not screen.reading, "test")
        await until(pilot, lambda: bool(rows(screen)), "its matrix")
        screen.table.focus()
        await pilot.press("enter")
        await until(
            pilot,
            lambda: any("No verification behind" in str(n.message) for n in app._notifications),
            "the notice that no verification is behind the pair",
        )
        assert app.screen is screen


async def test_d_records_a_deployment_after_yes_and_nothing_after_no(
    deploy_daemon: Daemon, home: Path
) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await deploy_screen(pilot)
        await answered(pilot, screen, "Can castle-client 1.0.0 deploy to production?")

        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        asked = " ".join(text_of(s) for s in app.screen.query(Static))
        assert "Record castle-client 1.0.0 as deployed to production?" in asked
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen, "the confirmation to close")
        with deploy_daemon.client() as client:
            assert client.deployments(service=CONSUMER) == []

        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await until(
            pilot,
            lambda: f"● {CONSUMER} 1.0.0" in rows(screen)[0][1] if rows(screen) else False,
            "the matrix to show castle-client live in production",
        )
        assert "castle-client 1.0.0" in header(screen)
        with deploy_daemon.client() as client:
            [recorded] = client.deployments(service=CONSUMER)
        assert (recorded.version, recorded.environment) == ("1.0.0", "production")


async def test_the_matrix_follows_a_deployment_and_a_verification(
    deploy_daemon: Daemon, home: Path
) -> None:
    app = make_app(home)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await deploy_screen(pilot)
        with deploy_daemon.client() as client:  # through the client, not the screen
            deploy(client, PROVIDER, "3.0.0", "production")
        await until(
            pilot,
            lambda: bool(rows(screen)) and rows(screen)[0][2] == f"● {PROVIDER} 3.0.0",
            "castle-service 3.0.0 live in production",
        )
        assert rows(screen)[0][0] == "✘ failed"

        await pilot.press("e", "e")  # test: castle-service 4.0.0 never verified
        await until(pilot, lambda: screen.environment == "test" and not screen.reading, "test")
        await until(pilot, lambda: rows(screen)[:1] != [], "its matrix")
        assert rows(screen)[0][0] == "? unknown"
        with deploy_daemon.client() as client:  # a verification of 4.0.0 is stored
            run = client.open_verification_run(PROVIDER, "4.0.0", total=2)
            client.finish_verification_run(run.id, [verification("4.0.0", contract(), ok=True)])
        await until(
            pilot,
            lambda: bool(rows(screen)) and rows(screen)[0][0] == "✔ verified",
            "the pair verified once the verification finished",
        )
        await answered(pilot, screen, "Can castle-client 1.0.0 deploy to test? ✔ yes")


async def test_a_burst_of_changes_reads_the_matrix_one_at_a_time(
    deploy_daemon: Daemon, home: Path
) -> None:
    """Many reload requests while a read is under way: one read at a time, and one more
    after it (not one per request)."""
    app = make_app(home)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await deploy_screen(pilot)
        client = app.client
        reads: list[str] = []
        in_flight = 0
        most = 0
        real = client.readiness

        async def counted(environment: str, compatibility: str = "none") -> Any:
            nonlocal in_flight, most
            reads.append(environment)
            in_flight += 1
            most = max(most, in_flight)
            try:
                return await real(environment, compatibility)
            finally:
                in_flight -= 1

        client.readiness = counted  # type: ignore[method-assign]
        for _ in range(20):
            screen.reload()
        await until(pilot, lambda: not screen.reading, "the reads to end")
        assert most == 1
        assert len(reads) == 2
