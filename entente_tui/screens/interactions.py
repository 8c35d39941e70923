"""The Interactions screen: every interaction the mocks recorded, live, newest at the bottom;
filters, the full interaction in a detail pane, and the test runs that made them.
Exploratory interactions (no test made them: never verified) say so in the test column;
``del`` deletes the selected interaction, ``X`` every exploratory one (after asking).

The daemon pages (never everything: a window of at most `MAX_ROWS` rows, `PAGE` at a time,
older or newer as the cursor reaches an edge); live ``interaction.recorded`` events join at
the bottom when the view follows the newest, a whole frame's batch in one table update.
Rows are keyed by interaction id, so an event that repeats what a page brought (a reload, a
resumed stream) adds nothing; a repeat of an interaction (``new: false``) updates its count.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from entente_daemon.client.events import InteractionsDeleted, InteractionsPromoted, parse_payload
from entente_daemon.client.filters import InteractionFilter
from entente_daemon.errors import EntenteError
from entente_daemon.model import Event, EventKind

from ..bindings import PaletteBinding
from ..widgets.filter_bar import FilterBar, KnownValues
from ..widgets.interaction_detail import InteractionDetail
from ..widgets.interaction_rows import InteractionRow, describe_filter, palette_for
from ..widgets.interaction_table import InteractionTable
from ..widgets.test_runs import TestRunsPanel, TestRunView, newest_first
from .base import LiveScreen
from .confirm import ConfirmScreen
from .interaction_feed import sort_events
from .interaction_window import Kind, Window

DETAIL_PAUSE = 0.15  # seconds the cursor rests on a row before the open pane follows it


class InteractionsScreen(LiveScreen):
    NAME = "interactions"
    TITLE = "Interactions"
    CSS_PATH = "interactions.tcss"
    BINDINGS = [
        PaletteBinding(
            "enter",
            "open_detail",
            "Open",
            id="interactions.open",
            title="Interactions: show",
            help="The selected interaction in full",
        ),
        PaletteBinding(
            "d",
            "toggle_detail",
            "Detail",
            id="interactions.detail",
            title="Interactions: detail pane",
            help="Show or hide the detail",
        ),
        PaletteBinding(
            "slash",
            "search",
            "Search",
            key_display="/",
            id="interactions.search",
            title="Interactions: search",
            help="Filter by method, path, operation, test",
            # Handled as the app reads it, so the box has the focus before the next key is
            # read: a terminal delivers fast typing in bursts, and keys handed on to the
            # table before the focus moved were lost (or ran the table's keys). Typed in the
            # filter bar, ``/`` is text (`check_action`).
            priority=True,
        ),
        PaletteBinding(
            "f",
            "next_filter",
            "Filter",
            id="interactions.filter",
            title="Interactions: filters",
            help="Provider, operation, status, test",
        ),
        PaletteBinding(
            "escape",
            "clear_filters",
            "Clear filters",
            id="interactions.clear_filters",
            title="Interactions: clear filters",
            help="Show every interaction",
        ),
        PaletteBinding(
            "g",
            "toggle_runs",
            "Test runs",
            id="interactions.test_runs",
            title="Interactions: test runs",
            help="Show or hide the test runs",
        ),
        PaletteBinding(
            "home",
            "oldest",
            "Oldest",
            id="interactions.oldest",
            title="Interactions: oldest",
            help="Jump to the oldest interaction",
        ),
        PaletteBinding(
            "end",
            "newest",
            "Newest",
            id="interactions.newest",
            title="Interactions: newest",
            help="Jump to the newest and follow it",
        ),
        PaletteBinding(
            "delete",
            "delete_selected",
            "Delete",
            key_display="del",
            id="interactions.delete",
            title="Interactions: delete",
            help="Delete the selected interaction",
        ),
        PaletteBinding(
            "X",
            "delete_exploratory",
            "Delete exploratory",
            id="interactions.delete_exploratory",
            title="Interactions: delete all exploratory",
            help="Delete every interaction no test made (asks first)",
        ),
        PaletteBinding(
            "r",
            "reload",
            "Reload",
            id="interactions.reload",
            title="Interactions: reload",
            help="Load the newest page again",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = InteractionFilter()
        self.window = Window()
        self.runs: dict[str, TestRunView] = {}
        self._held: list[Event] | None = None  # live events held while a page loads
        self._loading: Kind | None = None
        self._problem: str | None = None
        self._detail_id: str | None = None
        self._detail_timer: Timer | None = None
        self._known = KnownValues()

    def compose_body(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")
        with Horizontal(id="interactions-main"):
            yield TestRunsPanel(id="runs-panel", classes="hidden")
            with Vertical(id="table-column"):
                yield InteractionTable(id="interactions-table")
                yield Static("", id="interactions-status")
            yield InteractionDetail(id="detail", classes="hidden")

    @property
    def table(self) -> InteractionTable:
        return self.query_one("#interactions-table", InteractionTable)

    @property
    def page_loading(self) -> bool:
        """Whether a page is on its way from the daemon."""
        return self._loading is not None

    @property
    def detail(self) -> InteractionDetail:
        return self.query_one("#detail", InteractionDetail)

    @property
    def runs_panel(self) -> TestRunsPanel:
        return self.query_one("#runs-panel", TestRunsPanel)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one("#filter-bar", FilterBar)

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed)
        self.table.focus()

    def _theme_changed(self, _theme: str) -> None:
        palette = palette_for(self.app.current_theme)
        self.table.set_palette(palette)
        self.runs_panel.palette = palette
        self.runs_panel.show_runs(self.runs_panel.runs)
        if self.detail.interaction is not None:
            self.detail.refresh(recompose=True)

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        self._load("newest")
        self._load_runs()

    def _load(self, kind: Kind, *, keep_place: bool = True) -> None:
        """Fetch a page (in a worker). ``keep_place``: a newest page keeps the cursor on its
        row when that row is in it and the cursor was not on the newest."""
        request = self.window.request(kind)
        if request is None or (self._loading is not None and kind in ("older", "newer")):
            return
        if kind in ("newest", "oldest") and self._held is None:
            self._held = []
        self._loading = kind
        self._show_status()
        self._fetch(kind, request[0], request[1], self.filters, keep_place)

    @work(exclusive=True, group="interactions-page")
    async def _fetch(
        self,
        kind: Kind,
        offset: int | None,
        limit: int,
        filters: InteractionFilter,
        keep_place: bool,
    ) -> None:
        try:
            page = await self.client.interactions(
                offset=offset, limit=limit, **filters.client_args()
            )
        except EntenteError as exc:
            self._problem = f"could not load interactions: {exc}"
            self._loading = None
            held, self._held = self._held or [], None
            self.apply_events(held)
            self._show_status()
            return
        self._problem = None
        self._loading = None
        rows = [InteractionRow.of(item) for item in page.items]
        self._note_choices(rows)
        window, table = self.window, self.table
        if kind in ("newest", "oldest"):
            window.start, window.end = page.offset, page.offset + len(rows)
            keep = table.current_id if keep_place and not table.at_bottom else None
            first = rows[0].id if kind == "oldest" and rows else None
            table.show(rows, cursor=first or keep)
        elif kind == "older":
            window.end -= table.prepend(rows)
            window.start = page.offset
        else:
            window.start += table.append(rows, follow=False)
            window.end = page.offset + len(rows)
        window.total = page.total
        held, self._held = self._held or [], None
        if held:
            self.apply_events(held)
        self._show_status()

    @work(exclusive=True, group="interactions-runs")
    async def _load_runs(self) -> None:
        try:
            found = await self.client.test_runs()
            runs = [TestRunView.from_json(run) for run in found]
        except (EntenteError, KeyError, TypeError, ValueError):
            return  # the daemon is away (the header says so) or speaks another version
        self.runs = {run.run_id: run for run in runs}
        self.runs_panel.show_runs(newest_first(self.runs.values()), self.filters.run_id)

    # -- live events -----------------------------------------------------------------------

    def apply_events(self, events: Iterable[Event]) -> None:
        events = list(events)
        self._apply_changes(events)
        holding = self._held is not None
        if self._held is not None:  # a page is on its way: these go on top of it
            self._held.extend(e for e in events if e.kind is EventKind.INTERACTION_RECORDED)
        batch = sort_events(
            events,
            self.filters,
            lambda row_id: self.table.row_data(row_id) is not None,
            self.runs,
            interactions=not holding,
        )
        self._note_choices(batch.seen)
        if batch.fresh:
            self._add_live(batch.fresh)
        if batch.repeats:
            self._count_repeats(batch.repeats)
        if batch.runs_changed:
            self.runs_panel.show_runs(newest_first(self.runs.values()))
        if batch.fresh or batch.repeats:
            self._show_status()

    def _apply_changes(self, events: list[Event]) -> None:
        """Deleted interactions leave the table; promoted ones become contract rows."""
        deleted: list[str] = []
        promoted: list[str] = []
        for event in events:
            payload = parse_payload(event)
            if isinstance(payload, InteractionsDeleted):
                deleted.extend(payload.ids)
            elif isinstance(payload, InteractionsPromoted):
                promoted.extend(payload.ids)
        if promoted:
            table = self.table
            rows = [table.row_data(i) for i in promoted]
            table.redraw_rows(dataclasses.replace(r, contract=True) for r in rows if r is not None)
        if deleted:
            removed = self.table.drop_rows(deleted)
            window = self.window
            window.total = max(window.total - removed, 0)
            window.end = max(window.end - removed, window.start)
            if self._detail_id in deleted:
                self.detail.add_class("hidden")
                self._detail_id = None
            self._show_status()
            # Deleted ids outside the table may or may not have matched the filters: the
            # daemon counts what still matches.
            self._recount(self.filters)

    @work(exclusive=True, group="interactions-recount")
    async def _recount(self, filters: InteractionFilter) -> None:
        """Take the matching total from the daemon (after a clean-up)."""
        try:
            page = await self.client.interactions(offset=0, limit=1, **filters.client_args())
        except EntenteError:
            return  # the count stays an estimate until the next page
        if filters != self.filters:
            return  # the filters changed meanwhile: their own page brings the total
        window = self.window
        window.total = page.total
        window.end = min(window.end, page.total)
        window.start = min(window.start, window.end)
        self._show_status()

    def _add_live(self, rows: list[InteractionRow]) -> None:
        window, table = self.window, self.table
        reached = window.reaches_newest
        window.total += len(rows)
        if not reached:
            return  # the user is reading older pages: "N newer" says these came
        if table.at_bottom:
            window.start += table.append(rows, follow=True)
        else:
            rows = rows[: max(table.max_rows - table.row_count, 0)]
            table.append(rows, follow=False, trim=False)
        window.end += len(rows)

    def _count_repeats(self, repeats: list[InteractionRow]) -> None:
        changed: dict[str, InteractionRow] = {}
        for again in repeats:
            shown = changed.get(again.id) or self.table.row_data(again.id)
            updated = None if shown is None else shown.repeated(again)
            if updated is not None:
                changed[again.id] = updated
        self.table.update(changed.values())

    def _note_choices(self, rows: Iterable[InteractionRow]) -> None:
        known = self._known
        if known.note(rows):
            project = self.entente.project
            self.filter_bar.set_choices(
                providers=known.providers | set(project.providers if project else ()),
                operations=known.operations,
                tests=known.tests,
            )

    def _show_status(self) -> None:
        window = self.window
        parts = [window.describe(self.table.row_count)]
        if window.reaches_newest and self.table.at_bottom:
            parts.append("following")
        elif window.newer:
            parts.append(f"{window.newer} newer (end)")
        if not self.filters.empty:
            parts.append(f"filtered: {describe_filter(self.filters)} (escape clears)")
        if self._loading:
            parts.append(f"loading {self._loading}…")
        if self._problem:
            parts.append(self._problem)
        self.query_one("#interactions-status", Static).update(" · ".join(parts))

    # -- messages from the widgets ---------------------------------------------------------

    @on(InteractionTable.EdgeReached)
    def _edge(self, event: InteractionTable.EdgeReached) -> None:
        table = self.table
        if event.edge == "top" and table.cursor_row == 0:
            self._load("older")
        elif event.edge == "bottom" and table.at_bottom:
            self._load("newer")
        self._show_status()

    @on(InteractionTable.JumpRequested)
    def _jump(self, event: InteractionTable.JumpRequested) -> None:
        if event.where == "oldest":
            self.action_oldest()
        else:
            self.action_newest()

    @on(DataTable.RowSelected, "#interactions-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(str(event.row_key.value))

    @on(DataTable.RowHighlighted, "#interactions-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_status()  # following or not
        if self.detail.has_class("hidden") or event.row_key.value == self._detail_id:
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
        row_id = str(event.row_key.value)
        self._detail_timer = self.set_timer(DETAIL_PAUSE, lambda: self._open(row_id))

    @on(FilterBar.Changed)
    def _filters_changed(self, event: FilterBar.Changed) -> None:
        self._set_filters(dataclasses.replace(event.filters, run_id=self.filters.run_id))

    @on(Input.Submitted, "#filter-text")
    def _search_done(self) -> None:
        self.table.focus()

    @on(TestRunsPanel.RunChosen)
    def _run_chosen(self, event: TestRunsPanel.RunChosen) -> None:
        self._set_filters(dataclasses.replace(self.filters, run_id=event.run_id))

    def _set_filters(self, filters: InteractionFilter) -> None:
        if filters == self.filters:
            return
        self.filters = filters
        self.window = Window()
        self._load("newest")

    # -- the detail pane -------------------------------------------------------------------

    def _open(self, row_id: str) -> None:
        self._detail_id = row_id
        self.detail.remove_class("hidden")
        self._fetch_detail(row_id)

    @work(exclusive=True, group="interaction-detail")
    async def _fetch_detail(self, row_id: str) -> None:
        detail = self.detail
        try:
            found = await self.client.interaction(row_id)
        except EntenteError as exc:
            detail.interaction, detail.note = None, f"Could not load {row_id[:8]}: {exc}"
            return
        if found is None:
            detail.interaction, detail.note = None, f"Interaction {row_id[:8]} is not stored."
            return
        detail.base_url = self._mock_url(found.provider, found.consumer)
        detail.interaction = found

    def _mock_url(self, provider: str, consumer: str) -> str | None:
        for mock in self.entente.mocks:
            if mock.provider == provider and mock.consumer in (None, consumer):
                return mock.url
        return None

    # -- actions ---------------------------------------------------------------------------

    def action_open_detail(self) -> None:
        current = self.table.current_id
        if current is not None:
            self._open(current)

    def action_toggle_detail(self) -> None:
        if self.detail.has_class("hidden"):
            self.action_open_detail()
            self.detail.remove_class("hidden")
        else:
            self.detail.add_class("hidden")
            self._detail_id = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search":  # in the filter bar, ``/`` is text to type
            focused = self.focused
            return focused is None or self.filter_bar not in focused.ancestors_with_self
        return True

    def action_search(self) -> None:
        self.filter_bar.focus_text()

    def action_next_filter(self) -> None:
        self.filter_bar.focus_next_select()

    def action_clear_filters(self) -> None:
        self.filter_bar.clear()
        self._set_filters(InteractionFilter())
        self.runs_panel.show_runs(self.runs_panel.runs, "*")
        self.table.focus()

    def action_toggle_runs(self) -> None:
        panel = self.runs_panel
        panel.toggle_class("hidden")
        if panel.has_class("hidden"):
            self.table.focus()
        else:
            panel.table.focus()

    def action_oldest(self) -> None:
        self._load("oldest")

    def action_newest(self) -> None:
        if self.window.reaches_newest and self.table.row_count:
            self.table.move_cursor(row=self.table.row_count - 1, animate=False)
            self._show_status()
        else:
            self._load("newest", keep_place=False)

    def action_reload(self) -> None:
        self.reload()

    def action_delete_selected(self) -> None:
        current = self.table.current_id
        if current is not None:
            self._delete([current], "the interaction")

    def action_delete_exploratory(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._delete_exploratory()

        self.app.push_screen(
            ConfirmScreen(
                "Delete every exploratory interaction (those no test made)?",
                "They are never verified; this cannot be undone.",
                verb="delete",
            ),
            answered,
        )

    @work(exclusive=True, group="interactions-delete")
    async def _delete_exploratory(self) -> None:
        ids: list[str] = []
        try:
            while True:
                page = await self.client.interactions(
                    kind="exploratory", limit=1000, offset=len(ids)
                )
                ids.extend(item.id for item in page.items)
                if not page.items or len(ids) >= page.total:
                    break
        except EntenteError as exc:
            self.notify(str(exc), title="Could not delete", severity="error")
            return
        if not ids:
            self.notify("No exploratory interaction to delete.", title="Nothing deleted")
            return
        self._delete(ids, f"{len(ids)} exploratory interaction(s)")

    @work(group="interactions-delete")
    async def _delete(self, ids: list[str], what: str) -> None:
        """Delete through the daemon; the ``interactions.deleted`` event updates the table."""
        try:
            deleted = await self.client.delete_interactions(ids)
        except EntenteError as exc:
            self.notify(str(exc), title="Could not delete", severity="error")
            return
        self.notify(f"Deleted {what}." if deleted else "Already gone.", title="Deleted")
