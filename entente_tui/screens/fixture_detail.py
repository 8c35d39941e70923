"""A fixture in full: its request and response (highlighted), the operation's request and
response schemas from the provider's spec, and what in the fixture does not fit them, as the
daemon checks it now (``GET /v1/fixtures/{id}/detail``)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from entente_daemon.client import AsyncDaemonClient
from entente_daemon.errors import EntenteError
from entente_daemon.model import Fixture
from entente_tui.widgets.clock import stamp
from entente_tui.widgets.fixture_panels import FixtureExchange, FixtureProblems, FixtureSchemas
from entente_tui.widgets.fixture_render import short_id


def describe(fixture: Fixture) -> Text:
    text = Text()
    text.append(f"{fixture.provider} › {fixture.operation_id}", style="bold")
    text.append(f"   {fixture.status}", style="bold")
    text.append(f" · {fixture.source} · fixture {short_id(fixture.id)}")
    text.append(f" · created {stamp(fixture.created_at)}")
    if fixture.approved_at is not None:
        by = f" by {fixture.approved_by}" if fixture.approved_by else ""
        text.append(f" · approved {stamp(fixture.approved_at)}{by}")
    if fixture.provider_state:
        text.append(f"\nprovider state: {fixture.provider_state}")
    if fixture.notes:
        text.append(f"\nnotes: {fixture.notes}", style="italic")
    return text


class FixtureDetailScreen(ModalScreen[None]):
    CSS_PATH = "fixture_detail.tcss"
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="fixture_detail.close"),
        Binding("q", "dismiss", "Close", show=False, id="fixture_detail.close_q"),
    ]

    def __init__(self, client: AsyncDaemonClient, fixture: Fixture) -> None:
        super().__init__()
        self._client = client
        self.fixture = fixture

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-dialog"):
            yield Static(describe(self.fixture), id="detail-title")
            yield FixtureProblems(id="detail-problems")
            with Horizontal(id="detail-panes"):
                with VerticalScroll(id="detail-exchange-pane"):
                    yield FixtureExchange(id="detail-exchange")
                with VerticalScroll(id="detail-schema-pane"):
                    yield FixtureSchemas(id="detail-schemas")
            yield Static("escape close · tab next pane · ↑↓ scroll", id="detail-hint")

    def on_mount(self) -> None:
        self.query_one(FixtureExchange).fixture = self.fixture
        self.query_one("#detail-exchange-pane").focus()
        self.load()

    @work(exclusive=True, group="fixture-detail")
    async def load(self) -> None:
        problems = self.query_one(FixtureProblems)
        schemas = self.query_one(FixtureSchemas)
        try:
            detail = await self._client.fixture_detail(self.fixture.id)
        except EntenteError as exc:
            schemas.loaded = True
            problems.problems = (f"cannot ask the daemon: {exc}",)
            return
        schemas.loaded = True
        if detail is None:
            problems.problems = (f"the daemon no longer has fixture {short_id(self.fixture.id)}",)
            return
        self.fixture = detail.fixture
        self.query_one("#detail-title", Static).update(describe(detail.fixture))
        self.query_one(FixtureExchange).fixture = detail.fixture
        schemas.spec_label = detail.spec
        schemas.operation = detail.operation
        problems.problems = tuple(detail.problems)
