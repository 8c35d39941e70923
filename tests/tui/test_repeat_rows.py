"""A repeat merged into a shown row (×N): the row keeps its place and its first-seen time (so
the times shown never go out of order), and shows the newest answer's explanation, live and
after a reload alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from entente_daemon.model import MatchContext
from entente_tui.widgets.clock import clock
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon, interaction

from .conftest import make_app, until
from .interactions_helpers import again, column, open_interactions, upload

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def test_repeat_keeps_place_and_first_time_with_newest_explanation(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    older = interaction(1, timestamp=T0, match=MatchContext(source="generated"))
    newer = interaction(2, timestamp=T0 + timedelta(minutes=1))
    await upload(home, [older, newer])
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        _, screen = await open_interactions(pilot)
        assert screen.table.ids == [older.id, newer.id]
        repeat = again(older).model_copy(
            update={
                "timestamp": T0 + timedelta(minutes=5),
                "match": MatchContext(source="fixture", fixture_id="f1"),
            }
        )
        await upload(home, [repeat])
        await until(pilot, lambda: column(screen, "count")[0] == "×2", "the repeat counted")

        def looks_right() -> None:
            assert screen.table.ids == [older.id, newer.id], "the row keeps its place"
            assert column(screen, "time") == [clock(T0), clock(T0 + timedelta(minutes=1))]
            assert column(screen, "source")[0] == "fixture", "the newest answer's source"

        looks_right()
        await pilot.press("r")  # the daemon's page says the same
        await until(pilot, lambda: not screen.page_loading, "the reload")
        looks_right()
        await pilot.press("home", "enter")
        await until(
            pilot,
            lambda: (
                screen.detail.interaction is not None and screen.detail.interaction.id == older.id
            ),
            "the detail",
        )
        assert screen.detail.interaction is not None
        assert screen.detail.interaction.match.fixture_id == "f1"
