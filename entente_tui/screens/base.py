"""What every main screen shares: the status header, the navigation bar, the footer, and the
live events the app hands over in batches (one batch per frame at most)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from entente_daemon.model import Event
from entente_tui.bindings import PaletteCommand, commands_of, palette_of
from entente_tui.host import EntenteHost
from entente_tui.widgets.nav_bar import NavBar
from entente_tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from entente_daemon.client import AsyncDaemonClient


class LiveScreen(Screen[None]):
    """A main screen. Subclasses set ``NAME``/``TITLE``, compose their body in
    `compose_body`, load their data in `reload` (called when first shown and after the
    daemon comes back) and apply live events in `apply_events`. Their ``BINDINGS`` that are
    `PaletteBinding`s are their commands in the palette (``PALETTE``, read from them)."""

    NAME: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    PALETTE: ClassVar[tuple[PaletteCommand, ...]] = ()

    def __init_subclass__(cls, **kwargs: bool) -> None:
        super().__init_subclass__(**kwargs)
        cls.PALETTE = palette_of(cls.__dict__.get("BINDINGS", []))

    def __init__(self) -> None:
        super().__init__(name=self.NAME)
        self._backlog: list[Event] = []
        self._loaded = False

    @property
    def entente(self) -> EntenteHost:
        return cast(EntenteHost, self.app)

    @property
    def client(self) -> AsyncDaemonClient:
        return self.entente.client

    def compose(self) -> ComposeResult:
        yield StatusHeader()
        yield NavBar(current=self.NAME)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.reload()
        elif self._backlog:
            events, self._backlog = self._backlog, []
            self.apply_events(events)

    def take_events(self, events: list[Event]) -> None:
        """Live events from the app; kept for later while the screen is not showing."""
        if self.is_current and self._loaded:
            self.apply_events(events)
        elif self._loaded:
            self._backlog.extend(events)
            if len(self._backlog) > 20_000:  # long away: start over rather than replay
                self._backlog.clear()
                self._loaded = False

    def daemon_returned(self) -> None:
        """The daemon came back after an outage: reload once shown (events may be lost
        only if the daemon lost them; the stream resumes from the last id)."""
        if self.is_current:
            self.reload()
        else:
            self._loaded = False
            self._backlog.clear()

    def reload(self) -> None:
        """(Re)load what the screen shows from the daemon (in a worker)."""

    def apply_events(self, events: Iterable[Event]) -> None:
        """Fold live events into what is shown."""

    def palette_commands(self) -> Iterable[tuple[str, str, Callable[[], Awaitable[bool]]]]:
        return commands_of(self)
