"""Draft fixtures of the castle service for the Fixtures screen's tests: made by uploading
them to the daemon (as a verification or a passthrough mock would), and what the hosted mock
answers for them."""

from __future__ import annotations

import io
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from entente_daemon.client import DaemonClient
from entente_daemon.model import (
    Fixture,
    FixtureSource,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
)

PROVIDER = "castle-service"
JSON = {"content-type": "application/json"}
#: Fixed creation times: the table shows them, and its order follows them.
BASE_TIME = datetime(2026, 1, 2, 9, 0, 0, tzinfo=UTC)


def castle_fixture(
    name: str,
    *,
    n: int = 0,
    body: dict[str, Any] | None = None,
    source: FixtureSource = FixtureSource.PROVIDER,
) -> Fixture:
    """A draft for getCastle on its own castle id, answering a castle called ``name``."""
    castle_id = str(uuid.UUID(int=0x3F6C2B0E_0000_4000_8000_000000000000 + n))
    answer = (
        body
        if body is not None
        else {
            "id": castle_id,
            "name": name,
            "region": "Loire",
            "yearBuilt": 1500 + n,
        }
    )
    return Fixture(
        provider=PROVIDER,
        operation_id="getCastle",
        source=source,
        request=HttpRequest(method="GET", path=f"/castles/{castle_id}"),
        response=HttpResponse(status=200, headers=dict(JSON), body=answer),
        created_at=BASE_TIME + timedelta(minutes=n),
    )


def list_fixture(n: int = 0) -> Fixture:
    """A draft for listCastles filtered by a region of its own."""
    region = f"Region {n}"
    return Fixture(
        provider=PROVIDER,
        operation_id="listCastles",
        source=FixtureSource.CONSUMER,
        request=HttpRequest(method="GET", path="/castles", query={"region": [region]}),
        response=HttpResponse(status=200, headers=dict(JSON), body=[]),
        created_at=BASE_TIME + timedelta(minutes=30 + n),
    )


def upload(client: DaemonClient, *fixtures: Fixture) -> list[Fixture]:
    receipt = client.upload_interactions([], fixtures=fixtures)
    assert receipt.fixtures == len(fixtures), "the daemon did not take every draft"
    return list(fixtures)


def castle_path(fixture: Fixture) -> str:
    return fixture.request.path


async def mock_answer(base_url: str, fixture: Fixture) -> tuple[str | None, Any]:
    """What the hosted mock answers for the fixture's request: (X-Entente-Source, body)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.get(fixture.request.path, params=_query(fixture))
    return response.headers.get("x-entente-source"), response.json()


def _query(fixture: Fixture) -> list[tuple[str, str | int | float | bool | None]]:
    return [(k, v) for k, values in fixture.request.query.items() for v in values]


def stored(client: DaemonClient, fixture_id: str) -> Fixture:
    [found] = [f for f in client.fixtures(provider=PROVIDER) if f.id == fixture_id]
    return found


def statuses(client: DaemonClient) -> dict[str, FixtureStatus]:
    return {f.id: f.status for f in client.fixtures(provider=PROVIDER)}


async def wait_for_answer(
    pilot: Pilot[None], base_url: str, fixture: Fixture, source: str, within: float = 20.0
) -> Any:
    """Let the app run until the mock answers the fixture's request from ``source``
    (``fixture``, ``example``); the body it answered with."""
    deadline = time.monotonic() + within
    seen: tuple[str | None, Any] = (None, None)
    while time.monotonic() < deadline:
        seen = await mock_answer(base_url, fixture)
        if seen[0] == source:
            return seen[1]
        await pilot.pause(0.05)
    pytest.fail(f"the mock still answers from {seen[0]!r}, not {source!r}: {seen[1]!r}")


def cell(table: DataTable[Any], key: str, column: str) -> str:
    """The text of a cell, by row and column key."""
    return str(table.get_cell(key, column))


def plain(widget: Static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=160, file=io.StringIO(), color_system=None)
    with console.capture() as captured:
        console.print(widget.content)
    return captured.get()
