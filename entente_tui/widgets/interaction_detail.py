"""One interaction in full: the request and the response (headers, bodies pretty-printed and
highlighted), why the mock answered as it did (the operation matched, the answer's source and
the reasons) and what did not fit the spec.

Data down: set ``base_url`` and ``interaction`` (None: ``note`` shows instead). Credentials
were redacted before the interaction was stored; this shows what is stored."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from entente_daemon.model import Interaction, MatchContext

from .clock import clock

MAX_BODY_CHARS = 20_000  # a huge body is cut: the pane is for reading, not for dumps


def body_renderable(body: Any, *, dark: bool) -> RenderableType:
    """A body pretty-printed: JSON highlighted, XML highlighted, other text as it is."""
    if body is None or body == "":
        return Text("(no body)", style="dim italic")
    if isinstance(body, str):
        stripped = body.lstrip()
        if stripped.startswith("<"):
            text, lexer = body, "xml"
        else:
            try:
                text, lexer = json.dumps(json.loads(body), indent=2, ensure_ascii=False), "json"
            except ValueError:
                return Text(_cut(body))
    else:
        text, lexer = json.dumps(body, indent=2, ensure_ascii=False, default=str), "json"
    theme = "monokai" if dark else "friendly"
    return Syntax(_cut(text), lexer, theme=theme, word_wrap=True, background_color="default")


def _cut(text: str) -> str:
    if len(text) <= MAX_BODY_CHARS:
        return text
    return f"{text[:MAX_BODY_CHARS]}\n… ({len(text) - MAX_BODY_CHARS} more characters)"


def headers_table(headers: dict[str, str]) -> RenderableType:
    if not headers:
        return Text("(no headers)", style="dim italic")
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in sorted(headers.items()):
        table.add_row(f"{name}:", value)
    return table


def request_line(interaction: Interaction, base_url: str | None) -> RenderableType:
    """``METHOD URL``, the URL folded rather than pushed under the method."""
    request = interaction.request
    query = urlencode([(k, v) for k, vs in request.query.items() for v in vs])
    target = f"{request.path}?{query}" if query else request.path
    line = Table.grid(padding=(0, 1))
    line.add_column(style="bold", no_wrap=True)
    line.add_column(overflow="fold")
    line.add_row(request.method, f"{(base_url or '').rstrip('/')}{target}")
    return line


def match_renderable(match: MatchContext, operation_id: str | None) -> RenderableType:
    lines: list[RenderableType] = []
    operation = match.operation_id or operation_id
    why = Text("Operation: ", style="bold")
    if operation:
        why.append(operation)
        if match.path_template:
            why.append(f"  ({match.path_template})", style="dim")
    else:
        why.append("none matched", style="italic")
    lines.append(why)
    if match.path_params:
        params = ", ".join(f"{k}={v}" for k, v in sorted(match.path_params.items()))
        lines.append(Text(f"Path parameters: {params}"))
    answer = Text("Answer: ", style="bold")
    answer.append(match.source or "unknown")
    if match.fixture_id:
        answer.append(f"  fixture {match.fixture_id[:8]}")
    if match.example_name:
        answer.append(f"  example '{match.example_name}'")
    lines.append(answer)
    if match.reasons:
        lines.append(Text("Why:", style="bold"))
        lines.extend(Text(f"  • {reason}") for reason in match.reasons)
    return Group(*lines)


def errors_renderable(match: MatchContext) -> RenderableType:
    if not match.validation_errors:
        return Text("none", style="dim")
    return Group(*(Text(f"• {error}") for error in match.validation_errors))


class InteractionDetail(VerticalScroll):
    """The detail pane."""

    interaction: reactive[Interaction | None] = reactive(None, recompose=True)
    note: reactive[str] = reactive("Select an interaction (enter) to see it here.", recompose=True)
    #: The mock's URL, shown before the request's path (set it before ``interaction``).
    base_url: str | None = None

    def compose(self) -> ComposeResult:
        found = self.interaction
        if found is None:
            yield Static(self.note, classes="detail-hint", markup=False)
            return
        dark = self.app.current_theme.dark
        title = Text(f"{found.consumer} → {found.provider}", style="bold")
        title.append(f"   {clock(found.last_seen or found.timestamp)}", style="dim")
        if found.count > 1:
            title.append(f"   ×{found.count} (first {clock(found.timestamp)})", style="dim")
        yield Static(title, classes="detail-title")
        test = found.test_id or "(not made by a test)"
        yield Static(Text(f"Test: {test}"), classes="detail-meta")
        yield Static(Text(f"Interaction {found.id[:8]}"), classes="detail-meta")
        yield Static("Request", classes="detail-section")
        yield Static(request_line(found, self.base_url), id="detail-request-line")
        yield Static(headers_table(found.request.headers), classes="detail-headers")
        yield Static(body_renderable(found.request.body, dark=dark), id="detail-request-body")
        yield Static("Response", classes="detail-section")
        status = Text(str(found.response.status), style="bold")
        status.append(f"   {found.duration_ms:.1f} ms", style="dim")
        yield Static(status, id="detail-status")
        yield Static(headers_table(found.response.headers), classes="detail-headers")
        yield Static(body_renderable(found.response.body, dark=dark), id="detail-response-body")
        yield Static("Match", classes="detail-section")
        yield Static(match_renderable(found.match, found.operation_id), id="detail-match")
        yield Static("Validation errors", classes="detail-section")
        yield Static(errors_renderable(found.match), id="detail-errors")
