"""The Fixtures screen (placeholder: being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from .base import LiveScreen


class FixturesScreen(LiveScreen):
    NAME = "fixtures"
    TITLE = "Fixtures"

    def compose_body(self) -> ComposeResult:
        yield Static("Fixtures", id="placeholder")
