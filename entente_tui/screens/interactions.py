"""The Interactions screen (placeholder: being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from .base import LiveScreen


class InteractionsScreen(LiveScreen):
    NAME = "interactions"
    TITLE = "Interactions"

    def compose_body(self) -> ComposeResult:
        yield Static("Interactions", id="placeholder")
