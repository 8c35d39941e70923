"""The Verifications screen (placeholder: being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from .base import LiveScreen


class VerificationsScreen(LiveScreen):
    NAME = "verifications"
    TITLE = "Verifications"

    def compose_body(self) -> ComposeResult:
        yield Static("Verifications", id="placeholder")
