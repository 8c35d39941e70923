"""``enter`` on a breaking change: the rule, its level and place (file and line in the new
spec), the schema at that place in the baseline and in the saved spec side by side, and the
recorded interaction it breaks (read through the client: ``GET /v1/interactions/{id}``).
``n``/``p`` step through the save's other changes."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from entente_daemon.client.events import BreakingChange, BreakingChangeItem
from entente_daemon.errors import EntenteError
from entente_daemon.model import Interaction
from entente_tui.alerts_text import change_where

BODY_CHARS = 3000  # of the recorded response body shown


class BreakingDetailScreen(ModalScreen[None]):
    CSS_PATH = "breaking_detail.tcss"
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="breaking_detail.close"),
        Binding("q", "dismiss", "Close", show=False, id="breaking_detail.close_q"),
        Binding("n", "step(1)", "Next change", id="breaking_detail.next"),
        Binding("p", "step(-1)", "Previous change", id="breaking_detail.previous"),
    ]

    def __init__(self, alert: BreakingChange, index: int = 0) -> None:
        super().__init__()
        self.alert = alert
        self.index = max(0, min(index, len(alert.changes) - 1))

    @property
    def item(self) -> BreakingChangeItem:
        return self.alert.changes[self.index]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="breaking-detail"):
            yield Static("", id="breaking-title")
            yield Static("", id="breaking-what")
            yield Static("", id="breaking-impacts")
            with Horizontal(id="breaking-sides"):
                yield Static("", id="breaking-old", classes="side")
                yield Static("", id="breaking-new", classes="side")
            yield Static("", id="breaking-interaction")

    def on_mount(self) -> None:
        self._render_change()

    def action_step(self, by: int) -> None:
        count = len(self.alert.changes)
        if count > 1:
            self.index = (self.index + by) % count
            self._render_change()

    def _render_change(self) -> None:
        item, alert = self.item, self.alert
        style = {"breaking": "bold red", "warning": "bold yellow"}.get(item.level, "bold green")
        title = Text()
        title.append(f"{item.level} ", style=style)
        title.append(item.rule, style="bold")
        title.append(f"   {self.index + 1}/{len(alert.changes)} · {alert.provider}")
        self.query_one("#breaking-title", Static).update(title)
        where = f"{item.file}:{item.line}" if item.file and item.line else (item.file or "")
        baseline = alert.baseline
        against: str = baseline.source if baseline is not None else "?"
        if baseline is not None and baseline.version:
            against += f" {baseline.version}"
        if baseline is not None and baseline.ref:
            against += f" ({baseline.ref})"
        lines = [
            f"at: {change_where(item)} ({item.side})",
            f"in: {where}" if where else "",
            "",
            item.message,
            "",
            f"baseline: {against}" + (" · this save introduced it" if item.introduced else ""),
        ]
        self.query_one("#breaking-what", Static).update(Text("\n".join(lines)))
        old, new = item.old_schema, item.new_schema
        self.query_one("#breaking-old", Static).update(_side("baseline", old, new))
        self.query_one("#breaking-new", Static).update(_side("saved", new, old))
        if item.impacts:
            impacts = "\n".join(f"- {i.message}" for i in item.impacts)
            text = f"breaks what consumers recorded:\n{impacts}"
        else:
            text = "no recorded consumer uses it"
        self.query_one("#breaking-impacts", Static).update(Text(text))
        self.query_one("#breaking-interaction", Static).update("")
        first = next((i.interaction_id for i in item.impacts if i.interaction_id), None)
        if first is not None:
            self.load_interaction(first)

    @work(exclusive=True, group="breaking-interaction")
    async def load_interaction(self, interaction_id: str) -> None:
        client = getattr(self.app, "client", None)
        if client is None:
            return
        try:
            found: Interaction | None = await client.interaction(interaction_id)
        except EntenteError as exc:
            self.query_one("#breaking-interaction", Static).update(
                Text(f"the recorded interaction could not be read: {exc}")
            )
            return
        if found is None:
            return
        self.query_one("#breaking-interaction", Static).update(_interaction(found))


def _side(label: str, schema: Any, other: Any) -> Text:
    """One side of the schema, its lines that the other side lacks marked (red on the
    baseline's side: gone; green on the saved side: new)."""
    if schema is None:
        return Text(f"{label}: (nothing there)", style="dim")
    lines, others = _lines(schema), set(_lines(other))
    mark = "red" if label == "baseline" else "green"
    body = Text(f"{label}\n", style="bold")
    for line in lines:
        body.append(line + "\n", style=mark if other is not None and line not in others else "")
    body.rstrip()
    return body


def _lines(schema: Any) -> list[str]:
    if schema is None:
        return []
    text = schema if isinstance(schema, str) else json.dumps(schema, indent=2, sort_keys=True)
    return text.splitlines()


def _interaction(found: Interaction) -> Text:
    request, response = found.request, found.response
    text = Text("the recorded interaction it breaks\n", style="bold")
    test = found.test_id or "promoted"
    text.append(f"{found.consumer} {found.consumer_version} · {test}\n")
    text.append(f"{request.method} {request.path} → {response.status}\n")
    if response.body is not None:
        body = json.dumps(response.body, indent=2, sort_keys=True, default=str)
        text.append(body[:BODY_CHARS] + (" …" if len(body) > BODY_CHARS else ""))
    return text
