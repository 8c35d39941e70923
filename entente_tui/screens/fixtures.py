"""The Fixtures screen: the pending (draft) queue grouped by provider and operation, and the
approved and rejected lists (``s`` cycles). ``a`` approves, ``r`` rejects with a note,
``space`` selects for both, ``A``/``R`` approve/reject the group under the cursor (once
confirmed), ``n`` edits notes,
``enter`` shows a fixture with its operation's schemas and problems.

Fixtures are few (hundreds, not the interactions' hundred thousands), so the screen holds all
of them and moves rows between lists itself: a decision (ours, or another client's, arriving
as ``fixture.approved``/``fixture.rejected``) changes one fixture in place; a new or flagged
fixture reloads the lot, once per burst. The daemon's mocks follow the same events, so a
decision takes effect in them at once."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Static

from entente_daemon.errors import EntenteError
from entente_daemon.model import Event, Fixture, FixtureStatus
from entente_tui.bindings import PaletteBinding
from entente_tui.widgets.fixture_table import FixtureTable
from entente_tui.widgets.fixture_tabs import LISTS, FixtureTabs

from .base import LiveScreen
from .confirm import ConfirmScreen
from .fixture_book import FixtureBook, describe_targets, is_fixture_event, plural
from .fixture_detail import FixtureDetailScreen
from .reject_note import EditNotesScreen, RejectNoteScreen

RELOAD_DELAY = 0.2  # seconds: one reload for a burst of new fixtures
EMPTY = {
    "pending": "No pending fixtures. Drafts arrive here when a verification or a passthrough "
    "mock proposes one.",
    "approved": "No approved fixtures: approve a pending one with a.",
    "rejected": "No rejected fixtures.",
}


class FixturesScreen(LiveScreen):
    NAME = "fixtures"
    TITLE = "Fixtures"
    CSS_PATH = "fixtures.tcss"
    BINDINGS = [
        PaletteBinding(
            "a",
            "approve",
            "Approve",
            id="fixtures.approve",
            title="Approve fixture",
            help="The selected ones, or the one under the cursor",
        ),
        PaletteBinding(
            "r",
            "reject",
            "Reject",
            id="fixtures.reject",
            title="Reject fixture",
            help="With a note: the selected ones, or the current",
        ),
        PaletteBinding(
            "space",
            "toggle_select",
            "Select",
            id="fixtures.select",
            title="Select fixture",
            help="Toggle the fixture under the cursor",
        ),
        PaletteBinding(
            "A",
            "approve_group",
            "Approve all",
            key_display="A",
            id="fixtures.approve_group",
            title="Approve group",
            help="All of the provider and operation under the cursor, once confirmed",
        ),
        PaletteBinding(
            "R",
            "reject_group",
            "Reject all",
            key_display="R",
            id="fixtures.reject_group",
            title="Reject group",
            help="All of the provider and operation under the cursor, with a note",
        ),
        PaletteBinding(
            "n",
            "edit_notes",
            "Notes",
            id="fixtures.notes",
            title="Edit fixture notes",
            help="The fixture under the cursor",
        ),
        PaletteBinding(
            "enter",
            "open",
            "Details",
            id="fixtures.open",
            title="Fixture details",
            help="Request, response, schemas and problems",
        ),
        Binding("s", "next_list", "Lists", id="fixtures.next_list"),
        PaletteBinding(
            "escape",
            "clear_selection",
            "Clear selection",
            show=False,
            id="fixtures.clear_selection",
            title="Clear selection",
            help="Unselect every fixture",
        ),
        PaletteBinding(
            "P",
            "show_pending",
            "Pending",
            show=False,
            key_display="P",
            id="fixtures.show_pending",
            title="Show pending fixtures",
            help="The draft queue",
        ),
        PaletteBinding(
            "V",
            "show_approved",
            "Approved",
            show=False,
            key_display="V",
            id="fixtures.show_approved",
            title="Show approved fixtures",
            help="What the mocks answer from",
        ),
        PaletteBinding(
            "X",
            "show_rejected",
            "Rejected",
            show=False,
            key_display="X",
            id="fixtures.show_rejected",
            title="Show rejected fixtures",
            help="Drafts turned down, with notes",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.book = FixtureBook()
        self.list_name = "pending"
        self.selected: set[str] = set()
        self._reload_timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield FixtureTabs(id="fixture-tabs")
        yield FixtureTable(id="fixture-table")
        yield Static("Loading fixtures…", id="fixtures-empty")
        yield Static("", id="fixtures-status")

    @property
    def table(self) -> FixtureTable:
        return self.query_one(FixtureTable)

    # -- loading and live events -------------------------------------------------------

    def reload(self) -> None:
        self._load()

    @work(exclusive=True, group="fixtures-load")
    async def _load(self) -> None:
        self._reload_timer = None
        try:
            found = await self.client.fixtures()
        except EntenteError as exc:
            self.query_one("#fixtures-empty", Static).update(f"Cannot load the fixtures: {exc}")
            return
        self.book.replace(found)
        self.selected &= self.book.fixtures.keys()
        self.show()

    def apply_events(self, events: Iterable[Event]) -> None:
        changed, reload = self.book.fold(events)
        if reload:
            self._reload_soon()  # new, flagged, or not known yet
        if changed:
            self.show()

    def take_events(self, events: list[Event]) -> None:
        super().take_events(events)
        # Away from the screen: keep the navigation bar's count of pending fixtures right.
        fixture_news = any(is_fixture_event(e) for e in events)
        if fixture_news and self.is_mounted and not self.is_current:
            self._count_pending()

    @work(exclusive=True, group="fixtures-count")
    async def _count_pending(self) -> None:
        try:
            drafts = await self.client.fixtures(status=FixtureStatus.DRAFT)
        except EntenteError:
            return
        self.entente.pending_fixtures = len(drafts)

    def _reload_soon(self) -> None:
        if self._reload_timer is None:
            self._reload_timer = self.set_timer(RELOAD_DELAY, self.reload)

    # -- showing -----------------------------------------------------------------------

    def show(self) -> None:
        """Put the current list in the table, the counts in the tabs and the badge."""
        shown = self.book.in_list(self.list_name)
        self.selected &= {f.id for f in shown}
        counts = self.book.counts()
        tabs = self.query_one(FixtureTabs)
        tabs.current, tabs.counts = self.list_name, counts
        table = self.table
        table.fixtures = shown
        table.selected = frozenset(self.selected)
        empty = self.query_one("#fixtures-empty", Static)
        empty.update(EMPTY[self.list_name])
        empty.display = not shown
        table.display = bool(shown)
        if shown and self.focused is None:
            table.focus()
        self._show_status()
        self.entente.pending_fixtures = counts["pending"]

    def _show_status(self) -> None:
        hint = (
            f"{plural(len(self.selected))} selected: a approve · r reject · escape clear"
            if self.selected
            else "space select · a approve · r reject · A/R whole group · enter details"
        )
        self.query_one("#fixtures-status", Static).update(hint)

    def _switch(self, name: str) -> None:
        if name != self.list_name:
            self.list_name = name
            self.selected.clear()
            self.table.move_cursor(row=0, animate=False)
            self.show()

    def on_fixture_tabs_chosen(self, message: FixtureTabs.Chosen) -> None:
        self._switch(message.name)

    def on_fixture_table_opened(self, message: FixtureTable.Opened) -> None:
        self._open(message.fixture_id)

    # -- actions -----------------------------------------------------------------------

    def _targets(self) -> list[Fixture]:
        """The selected fixtures, else the one under the cursor."""
        if self.selected:
            found = (self.book.get(i) for i in sorted(self.selected))
            return [f for f in found if f is not None]
        current = self.table.current_fixture()
        return [] if current is None else [current]

    def action_next_list(self) -> None:
        names = [name for name, _ in LISTS]
        self._switch(names[(names.index(self.list_name) + 1) % len(names)])

    def action_show_pending(self) -> None:
        self._switch("pending")

    def action_show_approved(self) -> None:
        self._switch("approved")

    def action_show_rejected(self) -> None:
        self._switch("rejected")

    def action_toggle_select(self) -> None:
        current = self.table.current_fixture()
        if current is None:
            return
        self.selected.symmetric_difference_update({current.id})
        self.table.selected = frozenset(self.selected)
        self._show_status()
        self.table.action_cursor_down()

    def action_clear_selection(self) -> None:
        if self.selected:
            self.selected.clear()
            self.show()

    def action_approve(self) -> None:
        targets = [f for f in self._targets() if f.status is not FixtureStatus.APPROVED]
        if not targets:
            self.notify(self._nothing("approve"), severity="warning")
            return
        self._decide(targets, FixtureStatus.APPROVED, None)

    def _group_targets(self, verb: str, status: FixtureStatus) -> tuple[str, list[Fixture]] | None:
        """The group under the cursor (as "provider › operation") and its fixtures of this
        list that are not ``status`` already; None (and a warning) when there are none."""
        group = self.table.current_group()
        if group is None:
            self.notify("No group under the cursor.", severity="warning")
            return None
        name = f"{group[0]} › {group[1]}"
        targets = [
            f
            for f in self.table.fixtures
            if (f.provider, f.operation_id) == group and f.status is not status
        ]
        if not targets:
            self.notify(f"Nothing to {verb} in {name}.", severity="warning")
            return None
        return name, targets

    def action_approve_group(self) -> None:
        found = self._group_targets("approve", FixtureStatus.APPROVED)
        if found is None:
            return
        name, targets = found
        title = f"Approve all {self._describe_group(targets)} of {name}?"
        consequence = (
            f"{plural(len(targets))} become approved: the mocks answer with them from now on."
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._decide(targets, FixtureStatus.APPROVED, None)

        self.app.push_screen(ConfirmScreen(title, consequence, verb="approve"), confirmed)

    def action_reject_group(self) -> None:
        found = self._group_targets("reject", FixtureStatus.REJECTED)
        if found is None:
            return
        name, targets = found
        title = (
            f"Reject all {self._describe_group(targets)} of {name}: the mocks never answer "
            "with them"
        )

        def rejected(note: str | None) -> None:
            if note is not None:  # None: cancelled
                self._decide(targets, FixtureStatus.REJECTED, note or None)

        self.app.push_screen(RejectNoteScreen(title, whole=True), rejected)

    def _describe_group(self, targets: list[Fixture]) -> str:
        """ "3 pending fixtures" (or approved, rejected: the list shown)."""
        count = len(targets)
        return f"{count} {self.list_name} fixture{'s' if count != 1 else ''}"

    def action_reject(self) -> None:
        targets = [f for f in self._targets() if f.status is not FixtureStatus.REJECTED]
        if not targets:
            self.notify(self._nothing("reject"), severity="warning")
            return
        what = describe_targets(targets)

        def rejected(note: str | None) -> None:
            if note is not None:  # None: cancelled
                self._decide(targets, FixtureStatus.REJECTED, note or None)

        self.app.push_screen(RejectNoteScreen(what), rejected)

    def action_edit_notes(self) -> None:
        current = self.table.current_fixture()
        if current is None:
            self.notify("Put the cursor on a fixture to edit its notes.", severity="warning")
            return

        def edited(notes: str | None) -> None:
            if notes is not None:
                self._set_notes(current.id, notes or None)

        self.app.push_screen(EditNotesScreen(describe_targets([current]), current.notes), edited)

    def action_open(self) -> None:
        current = self.table.current_fixture()
        if current is not None:
            self._open(current.id)

    def _open(self, fixture_id: str) -> None:
        fixture = self.book.get(fixture_id)
        if fixture is not None:
            self.app.push_screen(FixtureDetailScreen(self.client, fixture))

    def _nothing(self, verb: str) -> str:
        if self.table.on_header_row() and not self.selected:
            key = "A" if verb == "approve" else "R"
            return (
                f"The cursor is on a group: select fixtures with space, or press {key} to "
                f"{verb} the whole group."
            )
        done = "approved" if verb == "approve" else "rejected"
        return f"Nothing to {verb}: no fixture under the cursor, or it is {done} already."

    # -- talking to the daemon ---------------------------------------------------------

    @work(group="fixture-decisions")
    async def _decide(
        self, targets: list[Fixture], status: FixtureStatus, note: str | None
    ) -> None:
        """Not exclusive: a second decision must not cancel the first half-way."""
        done: list[Fixture] = []
        try:
            for fixture in targets:
                if status is FixtureStatus.APPROVED:
                    done.append(await self.client.approve(fixture.id))
                else:
                    done.append(await self.client.reject(fixture.id, note))
        except EntenteError as exc:
            self.notify(f"{describe_targets(targets)}: {exc}", title="Not done", severity="error")
        for fixture in done:
            self.book.put(fixture)
            self.selected.discard(fixture.id)
        if done:
            verb = "Approved" if status is FixtureStatus.APPROVED else "Rejected"
            self.notify(f"{verb} {describe_targets(done)}; the mocks follow at once.")
            self.show()

    @work(group="fixture-decisions")
    async def _set_notes(self, fixture_id: str, notes: str | None) -> None:
        try:
            updated = await self.client.set_fixture_notes(fixture_id, notes)
        except EntenteError as exc:
            self.notify(f"Notes not saved: {exc}", severity="error")
            return
        self.book.put(updated)
        self.show()
