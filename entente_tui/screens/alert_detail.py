"""``enter`` on an alert: the whole of it (the spec error's full message, every payload
field) and, for an error at a line of a file, the lines around it with that line marked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.syntax import Syntax
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from entente_daemon.model import Event
from entente_tui.alerts_text import alert_detail, label_of, severity_of, spec_context

CONTEXT_BYTES = 2_000_000  # a spec bigger than this is not read for its context


class AlertDetailScreen(ModalScreen[None]):
    CSS_PATH = "alerts.tcss"
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="alert_detail.close"),
        Binding("enter", "dismiss", "Close", show=False, id="alert_detail.close_enter"),
        Binding("q", "dismiss", "Close", show=False, id="alert_detail.close_q"),
    ]

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    def compose(self) -> ComposeResult:
        severity = severity_of(self.event)
        with VerticalScroll(id="alert-detail"):
            yield Static(
                f"[b]{label_of(self.event)}[/b]", id="alert-detail-title", classes=severity
            )
            yield Static(alert_detail(self.event), id="alert-detail-text", markup=False)
            yield Static("", id="alert-detail-context")

    def on_mount(self) -> None:
        file, line = self.event.payload.get("file"), self.event.payload.get("line")
        if isinstance(file, str) and isinstance(line, int) and line > 0:
            self.load_context(Path(file), line)

    @work(exclusive=True, group="alert-context")
    async def load_context(self, file: Path, line: int) -> None:
        """The file's lines around ``line`` (the file as it is now: it may have changed)."""
        try:
            if await asyncio.to_thread(lambda: file.stat().st_size) > CONTEXT_BYTES:
                return
            text = await asyncio.to_thread(file.read_text, "utf-8", "replace")
        except OSError:
            return
        excerpt, first = spec_context(text, line)
        if not excerpt:
            return
        lexer = "yaml" if file.suffix in (".yaml", ".yml") else file.suffix.lstrip(".") or "text"
        syntax = Syntax(
            excerpt,
            lexer,
            line_numbers=True,
            start_line=first,
            highlight_lines={line},
            theme="ansi_dark" if self.app.current_theme.dark else "ansi_light",
            word_wrap=True,
        )
        self.query_one("#alert-detail-context", Static).update(syntax)
