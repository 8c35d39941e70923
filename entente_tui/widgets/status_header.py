"""The top line: the project, the daemon's state, the broker's (once one is configured) and
the mocks it serves with their ports."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from entente_daemon.client import MockInfo, ProjectInfo
from entente_daemon.client.wire import BrokerStatus
from entente_tui.link_state import LinkStatus
from entente_tui.widgets.sync_view import header_part


class StatusHeader(Widget):
    project: reactive[ProjectInfo | None] = reactive(None)
    link_status: reactive[LinkStatus] = reactive(LinkStatus())
    mocks: reactive[tuple[MockInfo, ...]] = reactive(())
    broker: reactive[BrokerStatus | None] = reactive(None)

    def on_mount(self) -> None:
        self.watch(self.app, "project", self._set_project)
        self.watch(self.app, "link_status", self._set_link_status)
        self.watch(self.app, "mocks", self._set_mocks)
        self.watch(self.app, "broker", self._set_broker)

    def _set_broker(self, value: BrokerStatus | None) -> None:
        self.broker = value

    def _set_project(self, value: ProjectInfo | None) -> None:
        self.project = value

    def _set_link_status(self, value: LinkStatus) -> None:
        self.link_status = value

    def _set_mocks(self, value: tuple[MockInfo, ...]) -> None:
        self.mocks = value

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
        broker = header_part(self.broker)  # only once a broker is configured
        if broker is not None:
            text.append_text(broker)
        return text
