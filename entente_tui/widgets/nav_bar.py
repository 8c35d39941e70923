"""The row of main screens under the header: which one is showing, the key for each, and a
badge with the number of alerts not yet seen."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from entente_daemon.client.wire import BrokerStatus
from entente_tui.messages import ShowScreen

#: (screen name, label, key)
TABS: tuple[tuple[str, str, str], ...] = (
    ("interactions", "Interactions", "1"),
    ("verifications", "Verifications", "2"),
    ("fixtures", "Fixtures", "3"),
    ("alerts", "Alerts", "4"),
    ("deploy", "Deploy", "5"),
    ("sync", "Sync", "6"),
)
#: Shown once a broker is configured (the key works always: the screen says how to).
OPTIONAL_TABS = frozenset({"sync"})


class NavBar(Widget):
    unseen_alerts: reactive[int] = reactive(0)
    pending_fixtures: reactive[int] = reactive(0)
    broker_configured: reactive[bool] = reactive(False)

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def on_mount(self) -> None:
        self.watch(self.app, "unseen_alerts", self._set_unseen)
        self.watch(self.app, "pending_fixtures", self._set_pending)
        self.watch(self.app, "broker", self._set_broker)

    def _set_broker(self, value: BrokerStatus | None) -> None:
        self.broker_configured = value is not None and value.url is not None

    def _set_unseen(self, value: int) -> None:
        self.unseen_alerts = value

    def _set_pending(self, value: int) -> None:
        self.pending_fixtures = value

    def tabs(self) -> list[tuple[str, str, str]]:
        return [
            tab
            for tab in TABS
            if tab[0] not in OPTIONAL_TABS or self.broker_configured or tab[0] == self.current
        ]

    def render(self) -> Text:
        text = Text()
        for name, label, key in self.tabs():
            style = "bold reverse" if name == self.current else ""
            text.append(f" {key} ", style="dim" if name != self.current else style)
            text.append(f"{label} ", style=style)
            if name == "alerts" and self.unseen_alerts:
                text.append(f" {self.unseen_alerts} ", style="bold white on red")
            if name == "fixtures" and self.pending_fixtures:
                text.append(f" {self.pending_fixtures} ", style="bold black on yellow")
            text.append("  ")
        return text

    def on_click(self, event: object) -> None:
        offset = getattr(event, "x", 0)
        position = 0
        for name, label, key in self.tabs():
            width = len(f" {key} {label}   ") + 3
            if position <= offset < position + width:
                self.post_message(ShowScreen(name))
                return
            position += width
