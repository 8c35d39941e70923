"""The Deploy readiness screen: for one environment (``e`` goes to the next), its readiness
matrix (``GET /v1/readiness``: each consumer version live there or a candidate, against each
provider version live there or that verified it, verified / failed / unknown), the selected
pair's reason and verification (``enter`` opens it on the Verifications screen), and
can-i-deploy's answer (``POST /v1/can-i-deploy``) for the selected consumer version, or the
provider version after ``p``, with its reasons and the commands to run next. ``d`` records a
deployment of that version, after a confirmation. The matrix is read again when a deployment
or a release is recorded or a verification finishes (one read at a time: what comes during
a read is taken by one more read after it)."""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Callable, Iterable
from typing import Literal, TypeVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import Static

from entente_daemon.client.deploy_wire import (
    DeployDecision,
    DeployQuestion,
    MatrixCell,
    ReadinessMatrix,
)
from entente_daemon.client.errors import DaemonError, DaemonUnavailable
from entente_daemon.client.events import ReadinessChanged, parse_payload
from entente_daemon.model import Deployment, Event, EventKind
from entente_tui.bindings import PaletteBinding
from entente_tui.messages import ShowVerification
from entente_tui.widgets.deploy_answer import AnswerView, DeployAnswer
from entente_tui.widgets.readiness_table import CANDIDATE, LIVE, ReadinessTable

from .base import LiveScreen
from .confirm import ConfirmScreen

#: Events after which the matrix may read differently (readiness.changed is looked at).
RELOAD_KINDS = frozenset(
    {
        EventKind.DEPLOYMENT_RECORDED,
        EventKind.RELEASE_RECORDED,
        EventKind.VERIFICATION_FINISHED,
    }
)
NO_ENVIRONMENTS = (
    "No environments yet. Record a deployment to make one: entente deploy-service "
    "--name SERVICE --service-version VERSION --environment ENVIRONMENT"
)
T = TypeVar("T")
Role = Literal["consumer", "provider"]
Asked = tuple[str, str, str]  # (service, version, environment)


async def read_twice(read: Callable[[], Awaitable[T]]) -> T:
    """A read (no side effect), tried once more when the daemon did not answer: a keep-alive
    connection the daemon closed just as the request went out fails so, and the second try
    opens a new one. A daemon that is really gone fails the second try too."""
    try:
        return await read()
    except DaemonUnavailable:
        return await read()


def current_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return None


class DeployScreen(LiveScreen):
    NAME = "deploy"
    TITLE = "Deploy"
    CSS_PATH = "deploy.tcss"
    BINDINGS = [
        PaletteBinding(
            "e",
            "next_environment",
            "Environment",
            id="deploy.environment",
            title="Next environment",
            help="Show the readiness of the next environment",
        ),
        PaletteBinding(
            "enter",
            "open",
            "Verification",
            id="deploy.open",
            title="Open the pair's verification",
            help="Show the verification behind the selected pair on the Verifications screen",
        ),
        PaletteBinding(
            "p",
            "toggle_role",
            "Ask for provider",
            id="deploy.role",
            title="Ask for the consumer or the provider",
            help="Ask can-i-deploy for the selected pair's provider version (or its consumer)",
        ),
        PaletteBinding(
            "d",
            "deploy",
            "Record deployment",
            id="deploy.record",
            title="Record a deployment",
            help="Record the version asked about as deployed to the environment",
        ),
        PaletteBinding(
            "r",
            "refresh",
            "Refresh",
            id="deploy.refresh",
            title="Refresh readiness",
            help="Read the environments and the matrix from the daemon again",
        ),
        Binding("escape", "back", "Back to the matrix", show=False, id="deploy.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.environments: list[str] = []
        self.environment: str | None = None
        self.matrix: ReadinessMatrix | None = None
        self.role: Role = "consumer"
        self.problem: str | None = None  # why the matrix could not be read
        self._decisions: dict[Asked, DeployDecision] = {}
        self._failed: dict[Asked, str] = {}
        self._asking: Asked | None = None
        self._reading = False
        self._again = False
        self._cell: MatrixCell | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="deploy-environments")
        yield Static("", id="deploy-live")
        yield ReadinessTable(id="deploy-matrix")
        yield DeployAnswer(id="deploy-answer")

    @property
    def table(self) -> ReadinessTable:
        return self.query_one(ReadinessTable)

    @property
    def answer(self) -> DeployAnswer:
        return self.query_one(DeployAnswer)

    @property
    def reading(self) -> bool:
        """A read of the matrix is under way (or one more is due)."""
        return self._reading or self._again

    def decision(self, service: str, version: str) -> DeployDecision | None:
        """The answer shown for ``service`` ``version`` in the chosen environment."""
        if self.environment is None:
            return None
        return self._decisions.get((service, version, self.environment))

    # -- data ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the environments and the matrix again; while a read is under way, once
        more after it (at most one read in flight, however many events come)."""
        if self._reading:
            self._again = True
            return
        self._reading = True
        self.read_matrix()

    @work(group="deploy-read")
    async def read_matrix(self) -> None:
        try:
            await self._read()
        finally:
            self._reading = False
            if self._again:
                self._again = False
                self.reload()

    async def _read(self) -> None:
        try:
            environments = [e.name for e in await read_twice(self.client.environments)]
            if self.environment not in environments:
                self.environment = environments[0] if environments else None
            chosen = self.environment
            matrix = (
                await read_twice(lambda: self.client.readiness(chosen))
                if chosen is not None
                else None
            )
        except DaemonError as exc:
            self.problem = str(exc)
            self.notify(f"Could not read the readiness: {exc}", severity="error")
            self._show()
            return
        self.problem = None
        self.environments = environments
        self.matrix = matrix
        if chosen != self.environment:  # another environment was chosen meanwhile: read it
            self._again = True
        self._decisions.clear()  # the answers may have changed with the matrix
        self._failed.clear()
        self._show()

    def apply_events(self, events: Iterable[Event]) -> None:
        if any(self._touches(event) for event in events):
            self.reload()

    def _touches(self, event: Event) -> bool:
        if event.kind in RELOAD_KINDS:
            return True
        if event.kind != EventKind.READINESS_CHANGED:
            return False
        payload = parse_payload(event)
        if not isinstance(payload, ReadinessChanged):
            return True  # a payload this TUI cannot read: read the matrix again to be sure
        return (
            self.environment is None
            or self.environment in payload.environments
            or any(e not in self.environments for e in payload.environments)
        )

    # -- showing ------------------------------------------------------------------------

    def _show(self) -> None:
        try:
            self._show_environments()
            cells = self.matrix.cells if self.matrix is not None else []
            self.table.show(cells)  # says which pair is under the cursor (Chosen)
            if not cells:
                self._choose(None)
        except NoMatches:  # torn down (the app is closing)
            return

    def _show_environments(self) -> None:
        tabs = Text()
        tabs.append("Environment: ", style="bold")
        if not self.environments:
            tabs.append("none", style="dim")
        for name in self.environments:
            style = "bold reverse" if name == self.environment else "dim"
            tabs.append(f" {name} ", style=style)
            tabs.append(" ")
        if len(self.environments) > 1:
            tabs.append("  e: next", style="dim")
        tabs.append(f"   {LIVE} live {CANDIDATE} candidate", style="dim")
        self.query_one("#deploy-environments", Static).update(tabs)
        live = Text()
        if self.matrix is not None:
            running = [f"{e.service} {e.version}" for e in self.matrix.live]
            live.append(f"live in {self.matrix.environment}: ", style="bold")
            live.append(", ".join(running) if running else "nothing")
        elif self.problem is not None:
            live.append(f"Could not read the readiness: {self.problem}", style="red")
        self.query_one("#deploy-live", Static).update(live)

    def asked(self, cell: MatrixCell | None) -> Asked | None:
        """The service version can-i-deploy is asked about for ``cell``: its consumer
        version, or its provider version (after ``p``; none when it has none)."""
        if cell is None or self.environment is None:
            return None
        if self.role == "provider":
            if cell.provider_version is None:
                return None
            return (cell.provider, cell.provider_version, self.environment)
        return (cell.consumer, cell.consumer_version, self.environment)

    def _choose(self, cell: MatrixCell | None) -> None:
        self._cell = cell
        asked = self.asked(cell)
        known = asked in self._decisions or asked in self._failed
        if asked is not None and not known and self._asking != asked:
            self._asking = asked
            self.ask(asked)
        self._show_answer()

    def _show_answer(self) -> None:
        if self.environment is None:
            empty = NO_ENVIRONMENTS
        elif self.matrix is not None and not self.matrix.cells:
            empty = (
                f"No pairs to judge in {self.environment}: no consumer has a recorded "
                "contract yet (run a consumer's tests through Entente)."
            )
        else:
            empty = ""
        asked = self.asked(self._cell)
        view = (
            AnswerView(
                self.environment,
                self._cell,
                f"{asked[0]} {asked[1]}" if asked else None,
                self._decisions.get(asked) if asked else None,
                self._failed.get(asked) if asked else None,
            )
            if self.environment is not None
            else None
        )
        self.answer.show(view, empty)

    @work(exclusive=True, group="deploy-ask")
    async def ask(self, asked: Asked) -> None:
        service, version, environment = asked
        question = DeployQuestion(service=service, version=version, environment=environment)
        try:
            self._decisions[asked] = await read_twice(lambda: self.client.can_i_deploy(question))
        except DaemonError as exc:
            self._failed[asked] = str(exc)
        finally:
            if self._asking == asked:
                self._asking = None
        try:
            self._show_answer()
        except NoMatches:
            return

    def on_readiness_table_chosen(self, message: ReadinessTable.Chosen) -> None:
        self._choose(message.cell)

    def on_readiness_table_opened(self, message: ReadinessTable.Opened) -> None:
        self._open(message.cell)

    # -- actions ------------------------------------------------------------------------

    def action_next_environment(self) -> None:
        if len(self.environments) < 2 or self.environment is None:
            return
        index = self.environments.index(self.environment)
        self.environment = self.environments[(index + 1) % len(self.environments)]
        self.matrix = None
        self._show()
        self.reload()

    def action_toggle_role(self) -> None:
        self.role = "provider" if self.role == "consumer" else "consumer"
        self._choose(self._cell)

    def action_open(self) -> None:
        if self._cell is not None:
            self._open(self._cell)

    def _open(self, cell: MatrixCell) -> None:
        if cell.verification_id is None:
            self.notify(
                f"No verification behind {cell.consumer} {cell.consumer_version} → "
                f"{cell.provider} {cell.provider_version or '(none)'}: {cell.reason}",
                severity="warning",
            )
            return
        self.post_message(ShowVerification(cell.verification_id))

    def action_back(self) -> None:
        self.table.focus()

    def action_refresh(self) -> None:
        self.reload()

    def action_deploy(self) -> None:
        asked = self.asked(self._cell)
        if asked is None:
            self.notify("Select a pair with a version to deploy first.", severity="warning")
            return
        service, version, environment = asked
        self.app.push_screen(
            ConfirmScreen(
                f"Record {service} {version} as deployed to {environment}?",
                f"Entente will count {service} {version} as the version live in "
                f"{environment} (it records a deployment; nothing is deployed).",
                verb="records it",
            ),
            lambda yes: self._confirmed(asked) if yes else None,
        )

    def _confirmed(self, asked: Asked) -> None:
        self.record(asked)

    @work(group="deploy-record")
    async def record(self, asked: Asked) -> None:
        service, version, environment = asked
        deployment = Deployment(
            service=service,
            version=version,
            environment=environment,
            deployed_by=current_user(),
        )
        try:
            await self.client.record_deployment(deployment)
        except DaemonError as exc:
            self.notify(str(exc), title="Deployment not recorded", severity="error", timeout=10)
            return
        self.notify(f"{service} {version} is live in {environment}.", title="Deployment recorded")
