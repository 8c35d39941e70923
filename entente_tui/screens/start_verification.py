"""``v`` on the Verifications screen: verify a provider project from here. The modal is
prefilled with the provider projects the daemon offers (the attached project when it provides
a spec, else one providing what it consumes: ``GET /v1/verify/providers``) and that project's
``[provider]`` base URL and state handlers; ``enter`` starts it (the screen asks the daemon),
``escape`` cancels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Static

from entente_daemon.client.wire import ProviderChoice
from entente_daemon.model import HANDLER_REFERENCE


@dataclass(frozen=True)
class StartRequest:
    """What the user asked for; None fields: the project's ``[provider]`` settings."""

    project: str
    base_url: str | None
    state_handlers: str | None
    only_new: bool


def check_request(request: StartRequest) -> str | None:
    """What is wrong with ``request`` (one sentence), or None."""
    if not request.project:
        return "Say which provider project to verify (its folder or entente.toml)."
    if request.base_url is not None:
        parts = urlsplit(request.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"Base URL {request.base_url!r} is not an http:// or https:// URL."
    if request.state_handlers is not None and not HANDLER_REFERENCE.match(request.state_handlers):
        return (
            f"State handlers {request.state_handlers!r} is not a module:attribute reference "
            "(like my_service.states:HANDLERS)."
        )
    return None


class StartVerificationScreen(ModalScreen[StartRequest | None]):
    CSS_PATH = "verifications.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="start_verification.cancel"),
        Binding("ctrl+s", "start", "Start", id="start_verification.start"),
    ]

    def __init__(self, choices: Sequence[ProviderChoice]) -> None:
        super().__init__()
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        first = self.choices[0] if self.choices else None
        with Vertical(id="verify-form"):
            yield Static("[b]Verify a provider[/b]", id="verify-title")
            yield Label("Provider project (folder or entente.toml)")
            yield Input(
                value=first.folder if first else "",
                placeholder="/path/to/provider-project",
                suggester=SuggestFromList([c.folder for c in self.choices]),
                id="verify-project",
            )
            if len(self.choices) > 1:
                others = ", ".join(f"{c.service} ({c.folder})" for c in self.choices[1:])
                yield Static(f"also known: {others}", id="verify-known", markup=False)
            yield Label("Base URL (where the provider runs)")
            yield Input(
                value=(first.base_url or "") if first else "",
                placeholder="from [provider] base_url",
                id="verify-base-url",
            )
            yield Label("State handlers")
            yield Input(
                value=(first.state_handlers or "") if first else "",
                placeholder="module:HANDLERS (from [provider] state_handlers)",
                id="verify-state-handlers",
            )
            yield Checkbox("Only what this version has not passed yet", id="verify-only-new")
            yield Static(
                "enter or ctrl+s: start   escape: cancel   (empty fields: the project's "
                "[provider] settings)",
                id="verify-hint",
            )
            yield Static("", id="verify-error")
            with Horizontal(id="verify-buttons"):
                yield Button("Start", variant="primary", id="verify-start")
                yield Button("Cancel", id="verify-cancel")

    def on_mount(self) -> None:
        self.query_one("#verify-project", Input).focus()

    def on_input_changed(self, message: Input.Changed) -> None:
        """Choosing a known project fills in its settings."""
        if message.input.id != "verify-project":
            return
        for choice in self.choices:
            if message.value.rstrip("/") == choice.folder:
                self.query_one("#verify-base-url", Input).value = choice.base_url or ""
                self.query_one("#verify-state-handlers", Input).value = choice.state_handlers or ""

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self.action_start()

    def on_button_pressed(self, message: Button.Pressed) -> None:
        message.stop()
        if message.button.id == "verify-start":
            self.action_start()
        else:
            self.action_cancel()

    @property
    def request(self) -> StartRequest:
        def value(input_id: str) -> str | None:
            return self.query_one(f"#{input_id}", Input).value.strip() or None

        return StartRequest(
            project=value("verify-project") or "",
            base_url=value("verify-base-url"),
            state_handlers=value("verify-state-handlers"),
            only_new=self.query_one("#verify-only-new", Checkbox).value,
        )

    def action_start(self) -> None:
        request = self.request
        problem = check_request(request)
        if problem is not None:
            self.query_one("#verify-error", Static).update(problem)
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
