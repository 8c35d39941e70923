"""Fast typing into the search box while live interactions arrive: no keystroke is lost.

A terminal hands the app a burst of keys at once (tmux does, for fast typing): ``/`` and the
first letters are queued together, so the search box must have the focus by the time the
next key is handled, not a moment later."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input

from entente_daemon.model import HttpRequest
from tests.daemon.castle_project import CastleProject
from tests.daemon.conftest import Daemon, interaction

from .conftest import make_app, until
from .interactions_helpers import open_interactions, upload

#: letters that are keys of the table and the screen too (g, d, r, f, s…)
TYPED = "get dragons 404 /castles/fdr-long?with=query&and=more test_x[1]"


@asynccontextmanager
async def live_traffic(home: Path) -> AsyncIterator[None]:
    """Interactions of new providers, operations and tests arriving while the block runs."""
    stop = asyncio.Event()

    async def send() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            item = interaction(
                n,
                provider=f"provider-{n}",
                operation_id=f"op{n}",
                test_id=f"tests/test_live.py::test_{n}",
                request=HttpRequest(method="GET", path=f"/live/{n}"),
            )
            await upload(home, [item])
            await asyncio.sleep(0.1)  # the traffic's pace (nothing waits on it)

    task = asyncio.create_task(send())
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def burst(pilot: Pilot[None], keys: list[str]) -> None:
    """Queue every key at once, as a terminal delivers fast typing."""
    for key in keys:
        if len(key) == 1:
            name = key if key.isalnum() else _character_to_key(key)
            pilot.app.post_message(events.Key(name, key))
        else:
            pilot.app.post_message(events.Key(key, "/" if key == "slash" else None))


async def test_fast_typing_keeps_every_key_while_events_arrive(
    daemon: Daemon, castle: CastleProject, home: Path
) -> None:
    app = make_app(castle, home)
    async with app.run_test(size=(140, 40)) as pilot:
        _, screen = await open_interactions(pilot)
        text = screen.query_one("#filter-text", Input)
        async with live_traffic(home):
            await until(pilot, lambda: screen.table.row_count >= 2, "live rows")
            rows = screen.table.row_count

            await pilot.press("slash", *TYPED)
            assert text.value == TYPED, "every key pressed is in the box"
            await pilot.press("escape")  # clears the filters, back to the table
            await until(pilot, lambda: screen.table.has_focus and not text.value, "cleared")

            burst(pilot, ["slash", *TYPED])
            await until(pilot, lambda: len(text.value) >= len(TYPED), "the burst typed", 10)
            assert text.value == TYPED, "every key of the burst is in the box"
            await until(pilot, lambda: screen.table.row_count > rows, "more live rows")
        await until(
            pilot,
            lambda: screen.filters.text == TYPED and not screen.page_loading,
            "the search's page",
        )
        assert text.has_focus
        assert screen.detail.has_class("hidden"), "no letter reached the table's keys"
        assert screen.runs_panel.has_class("hidden")
