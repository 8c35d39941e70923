"""One failed interaction of a verification: what differs (kind, JSON path), the expected
and the actual value side by side as pretty JSON, the message, the request, and the state
handler's error where the provider's state could not be set up."""

from __future__ import annotations

import json
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from .verification_data import FailureView

ABSENT = "(absent)"


def pretty(value: Any) -> str:
    """A value as indented JSON; text the daemon cut short (ends with …) stays as it is."""
    if isinstance(value, str) and value.endswith("…"):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def failure_title(failure: FailureView) -> Text:
    text = Text()
    text.append(failure.kind, style="bold")
    if failure.path:
        text.append(" at ")
        text.append(failure.path, style="bold")
    text.append(f"  {failure.consumer}", style="dim")
    if failure.request:
        text.append(f"  {failure.request}")
    if failure.operation_id:
        text.append(f"  ({failure.operation_id})", style="dim")
    return text


class FailureCard(Vertical):
    """A failure, given as `FailureView`."""

    def __init__(self, failure: FailureView, *, dark: bool = True) -> None:
        super().__init__(classes=f"failure-card kind-{failure.kind}")
        self.failure = failure
        self.dark = dark

    def compose(self) -> ComposeResult:
        failure = self.failure
        yield Static(failure_title(failure), classes="failure-title")
        if failure.message:
            yield Static(failure.message, classes="failure-message", markup=False)
        if failure.state_handler_error and failure.state_handler_error != failure.message:
            yield Static(
                f"state handler: {failure.state_handler_error}",
                classes="failure-handler",
                markup=False,
            )
        if failure.expected is not None or failure.actual is not None:
            with Horizontal(classes="failure-sides"):
                yield self._side("Expected", failure.expected, "failure-expected")
                yield self._side("Actual", failure.actual, "failure-actual")

    def _side(self, title: str, value: Any, name: str) -> Vertical:
        body = (
            Static(ABSENT, classes="failure-value")
            if value is None
            else Static(
                Syntax(
                    pretty(value),
                    "json",
                    theme="ansi_dark" if self.dark else "ansi_light",
                    word_wrap=True,
                    background_color="default",
                ),
                classes="failure-value",
            )
        )
        return Vertical(Static(title, classes="failure-side-title"), body, classes=name)
