"""The Alerts screen (placeholder: being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from .base import LiveScreen


class AlertsScreen(LiveScreen):
    NAME = "alerts"
    TITLE = "Alerts"

    def compose_body(self) -> ComposeResult:
        yield Static("Alerts", id="placeholder")
