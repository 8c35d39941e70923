"""Waiting until the app shows what it is going to show: linked, the data loaded (no worker
but the event stream's still running), laid out. For the snapshots and the screenshots, which
must not capture a half-loaded screen. No pytest here: ``scripts/screenshots.py`` uses it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import DataTable

from entente_tui.app import EntenteApp
from entente_tui.screens.base import LiveScreen

SETTLE_TIMEOUT = 20.0


async def until(
    pilot: Pilot[None], condition: Callable[[], bool], what: str, limit: float = SETTLE_TIMEOUT
) -> None:
    """Let the app run until ``condition`` holds; AssertionError after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit}s waiting for {what}")
        await pilot.pause(0.02)


def workers_idle(app: EntenteApp) -> bool:
    """Nothing loading: every worker but the event stream's has finished."""
    return not any(w.is_running for w in app.workers if w.group != "stream")


async def settle(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Wait for the live link, ``condition`` and every load to finish, then for the screen
    to lay out what came."""
    app = pilot.app
    assert isinstance(app, EntenteApp)
    await until(pilot, lambda: app.connection == "live", "the event stream to go live")
    await until(pilot, lambda: condition() and workers_idle(app), what)
    await pilot.pause()  # what the last load brought is laid out
    await until(pilot, lambda: workers_idle(app), f"{what}: nothing more loading")


def rows_in(app: EntenteApp) -> int:
    """The rows of the current screen's ``table`` (0 when it has none)."""
    table = getattr(app.screen, "table", None)
    return table.row_count if isinstance(table, DataTable) else 0


async def show(pilot: Pilot[None], name: str, key: str | None = None) -> None:
    """Show the main screen ``name`` (pressing ``key``), its table filled."""
    app = pilot.app
    assert isinstance(app, EntenteApp)
    await settle(pilot, lambda: isinstance(app.screen, LiveScreen), "the first screen")
    if key is not None:
        await pilot.press(key)
    await settle(
        pilot,
        lambda: app.screen.name == name and rows_in(app) > 0,
        f"the {name} screen with rows",
    )
