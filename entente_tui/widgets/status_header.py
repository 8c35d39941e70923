"""The top line: the project, the daemon's state, the mocks it serves with their ports, and
each provider spec that currently breaks a recorded consumer (``breaks castle-client``) or has
breaking changes nobody recorded uses (``breaking``); then the broker's state, once one is
configured."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from entente_daemon.client import MockInfo, ProjectInfo
from entente_daemon.client.events import BreakingChange
from entente_daemon.client.wire import BrokerStatus
from entente_tui.link_state import LinkStatus
from entente_tui.widgets.sync_view import header_part


class StatusHeader(Widget):
    project: reactive[ProjectInfo | None] = reactive(None)
    link_status: reactive[LinkStatus] = reactive(LinkStatus())
    mocks: reactive[tuple[MockInfo, ...]] = reactive(())
    broker: reactive[BrokerStatus | None] = reactive(None)
    breaking: reactive[tuple[BreakingChange, ...]] = reactive(())

    def on_mount(self) -> None:
        self.watch(self.app, "project", self._set_project)
        self.watch(self.app, "link_status", self._set_link_status)
        self.watch(self.app, "mocks", self._set_mocks)
        self.watch(self.app, "broker", self._set_broker)
        if hasattr(self.app, "breaking"):
            self.watch(self.app, "breaking", self._set_breaking)

    def _set_broker(self, value: BrokerStatus | None) -> None:
        self.broker = value

    def _set_project(self, value: ProjectInfo | None) -> None:
        self.project = value

    def _set_link_status(self, value: LinkStatus) -> None:
        self.link_status = value

    def _set_mocks(self, value: tuple[MockInfo, ...]) -> None:
        self.mocks = value

    def _set_breaking(self, value: tuple[BreakingChange, ...]) -> None:
        self.breaking = value

    def render(self) -> Text:
        text = Text(" Entente ", style="bold reverse")
        if self.project is not None:
            text.append(f" {self.project.service} {self.project.version} ", style="bold")
            text.append(f"({self.project.role}, {self.project.environment})", style="dim")
        else:
            text.append(" no project attached", style="dim")
        text.append("  daemon: ")
        live = self.link_status.live
        text.append(self.link_status.describe(), style="bold green" if live else "bold red")
        broken = self._broken()
        mine = [m for m in self.mocks if self.project is None or m.consumer == self.project.service]
        for mock in mine:
            ok = mock.state == "running" and mock.error is None
            text.append("  ")
            text.append(f"{mock.provider}", style="bold" if ok else "bold red")
            text.append(f" :{mock.port}" if mock.port else f" {mock.url}", style="cyan")
            if mock.state == "running" and mock.error is not None:
                text.append(" (serving its last good spec)", style="red")
            elif not ok:
                text.append(f" ({mock.state})", style="red")
            if mock.provider in broken:
                _mark(text, broken.pop(mock.provider))
        for provider, names in sorted(broken.items()):  # specs watched, not mocked here
            text.append(f"  {provider}", style="bold")
            _mark(text, names)
        broker = header_part(self.broker)  # only once a broker is configured
        if broker is not None:
            text.append_text(broker)
        return text

    def _broken(self) -> dict[str, set[str]]:
        """Each provider whose spec has breaking changes now, and the consumers they break."""
        consumers: dict[str, set[str]] = {}
        for alert in self.breaking:
            if alert.changes:
                names = {c.split(" ")[0] for c in alert.consumers}
                consumers.setdefault(alert.provider, set()).update(names)
        return consumers


def _mark(text: Text, consumers: set[str]) -> None:
    if consumers:
        text.append(f" ⚠ breaks {', '.join(sorted(consumers))}", style="bold red")
    else:
        text.append(" ⚠ breaking", style="bold yellow")
