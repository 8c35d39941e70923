"""The fixture lifecycle end to end: verification against the real castle-service makes draft
fixtures from its answers; approving one makes the consumer's mock answer with it; rejecting it
takes it away again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from entente_daemon.consumer import create_client
from entente_daemon.model import FixtureSource, FixtureStatus
from entente_daemon.store import Store
from entente_daemon.verify.provider import create_provider
from tests.verify.test_castle_service import VERSAILLES
from tests.verify.test_runner import CLIENT, SPEC, seed_handlers, serve
from tests.verify.test_runner import castles as castles  # noqa: F401 - a fixture
from tests.verify.test_runner import home as home  # noqa: F401 - a fixture

PALACE = "Palace of the provider"


def mock_answer() -> tuple[str, str | None]:
    """What a fresh mock of castle-service answers for Versailles: its name and source."""
    client = create_client(CLIENT, recording=False)
    with client.create_mock("castle-service", port=0) as mock, httpx.Client() as http:
        response = http.get(f"{mock.url}/castles/{VERSAILLES}")
    return response.json()["name"], response.headers.get("x-entente-source")


def test_verify_approve_reject(home: Path, castles: Any) -> None:
    # The version the castle client's entente.toml consumes: its fixtures feed that mock.
    provider = create_provider(name="castle-service", version="1.0.0", spec=SPEC)
    server, app = serve(castles)
    app.store.reset()
    handlers = seed_handlers(app)

    def rename_versailles() -> None:
        app.store.reset()
        app.store.castles[VERSAILLES]["name"] = PALACE

    handlers["getCastle"] = rename_versailles
    with server as url:
        report = provider.verify(url, state_handlers=handlers)
    assert report.ok

    with Store.open() as store:
        [draft] = store.fixtures.list(provider="castle-service", operation_id="getCastle")
    assert (draft.status, draft.source) == (FixtureStatus.DRAFT, FixtureSource.PROVIDER)
    assert draft.response.body["name"] == PALACE

    before = mock_answer()
    assert before[1] == "example"  # drafts do not feed mocks

    with Store.open() as store:
        store.fixtures.set_status(draft.id, FixtureStatus.APPROVED, by="alice")
    assert mock_answer() == (PALACE, "fixture")

    with Store.open() as store:
        store.fixtures.set_status(draft.id, FixtureStatus.REJECTED, by="alice")
    assert mock_answer() == before
