"""Helpers for the Interactions screen's tests: reading the table, choosing filters with the
keyboard, making traffic (the castle client's tests, or uploads) without blocking the app."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import httpx
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Select, Static

from entente_daemon.client import DaemonClient
from entente_daemon.model import Interaction, new_id, utc_now
from entente_tui.app import EntenteApp
from entente_tui.screens.interactions import InteractionsScreen
from tests.daemon.castle_project import CastleProject

from .conftest import linked, run_castle_tests, until


async def open_interactions(pilot: Pilot[None]) -> tuple[EntenteApp, InteractionsScreen]:
    app = await linked(pilot)
    await until(pilot, lambda: isinstance(app.screen, InteractionsScreen), "the first screen")
    screen = app.screen
    assert isinstance(screen, InteractionsScreen)
    await until(pilot, lambda: not screen.page_loading, "the first page")
    return app, screen


def column(screen: InteractionsScreen, key: str) -> list[str]:
    """The plain text of one column, top to bottom."""
    table = screen.table
    return [str(table.get_cell(row_id, key)) for row_id in table.ids]


def text_of(screen: InteractionsScreen, selector: str) -> str:
    """What a Static shows, as plain text (whatever renderable it holds)."""
    console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
    console.print(screen.query_one(selector, Static).content)
    return console.export_text().strip()


def status_line(screen: InteractionsScreen) -> str:
    return text_of(screen, "#interactions-status")


def app_without_project(home: Path) -> EntenteApp:
    return EntenteApp(None, home=home, start_daemon=False)


async def castle_tests(castle: CastleProject, home: Path, run_id: str) -> None:
    """The castle client's test suite, in a thread so that the app keeps running."""
    result = await asyncio.to_thread(run_castle_tests, castle, home, run_id=run_id)
    assert result.returncode == 0, result.stdout + result.stderr


async def upload(home: Path, items: list[Interaction]) -> list[str]:
    def send() -> list[str]:
        with DaemonClient.connect(home) as client:
            return client.upload_interactions(items).ids

    return await asyncio.to_thread(send)


async def search(pilot: Pilot[None], text: str) -> None:
    """``/``, type, enter (back to the table)."""
    await pilot.press("slash", *text, "enter")


async def choose(pilot: Pilot[None], screen: InteractionsScreen, name: str, label: str) -> None:
    """Choose ``label`` in one of the filter bar's choices, by keys only: ``f`` until that
    choice has the focus, ``enter`` opens it, typing (part of) the label finds the option,
    ``enter`` takes it."""
    select = screen.query_one(f"#filter-{name}", Select)
    for _ in range(4):
        if select.has_focus:
            break
        await pilot.press("f")
    assert select.has_focus, f"f never reached the {name} filter"
    await pilot.press("enter", *label, "enter")
    await until(pilot, lambda: select.value is not Select.NULL, f"the {name} filter")


def again(item: Interaction) -> Interaction:
    """The same request and answer made once more, now (a new record, as a recorder sends)."""
    return item.model_copy(
        update={"id": new_id(), "timestamp": utc_now(), "last_seen": None, "count": 1}
    )


async def mock_get(url: str) -> httpx.Response:
    """GET from a mock that may still be starting: retried for 20 s until it answers."""

    def get() -> httpx.Response:
        deadline = time.monotonic() + 20.0
        while True:
            try:
                return httpx.get(url, timeout=5)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # polling a condition with a deadline

    return await asyncio.to_thread(get)
