"""Fixtures grouped by provider and operation: a header row per group with its counts, then
its fixtures, oldest first. Selected fixtures are marked; a ⚑ marks one with problems.

The group's header names its operation once (and its provider, when the list holds more
than one: the status bar already names a lone provider), so a fixture's row spends its
width on what differs between fixtures: the request, status, source and time.

Attributes down: `fixtures` (what to show) and `selected` (ids). Messages up:
`FixtureTable.Opened` (enter on a fixture); enter on a group header folds or unfolds it.
Rebuilding keeps the cursor on the same row, or, when that row left (approved, rejected),
at the same place: the next row moves up under it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from entente_daemon.model import Fixture

from .clock import clock
from .fixture_render import problems_of, request_line, short_note

GROUP_PREFIX = "group\x00"
WIDE = 120  # from this many terminal columns on, the request shows whole
REQUEST_MIN = 16  # the request column's least width in a narrow terminal
NOTES_NARROW = 14  # what the notes may take of a narrow terminal's width before it scrolls
COLUMNS = (
    ("sel", " "),
    ("flag", "⚑"),
    ("operation", "Operation"),
    ("request", "Request"),
    ("status", "Status"),
    ("source", "Source"),
    ("created", "Created"),
    ("notes", "Notes"),
)

Group = tuple[str, str]  # (provider, operation_id)


def group_of(fixture: Fixture) -> Group:
    return (fixture.provider, fixture.operation_id)


def group_label(group: Group, several_providers: bool) -> str:
    """The operation, after its provider when the list holds more than one provider."""
    provider, operation = group
    return f"{provider} · {operation}" if several_providers else operation


def group_key(group: Group) -> str:
    return f"{GROUP_PREFIX}{group[0]}\x00{group[1]}"


def ordered(fixtures: Iterable[Fixture]) -> list[Fixture]:
    """By provider, operation, then oldest first (ties by id: stable across reloads)."""
    return sorted(fixtures, key=lambda f: (f.provider, f.operation_id, f.created_at, f.id))


class FixtureTable(DataTable[Text]):
    class Opened(Message):
        """Enter on a fixture: show its detail."""

        def __init__(self, fixture_id: str) -> None:
            super().__init__()
            self.fixture_id = fixture_id

    # In the footer: enter opens a fixture (or folds a group).
    BINDINGS = [Binding("enter", "select_cursor", "Details", id="fixture_table.open")]

    fixtures: reactive[tuple[Fixture, ...]] = reactive((), always_update=True)
    selected: reactive[frozenset[str]] = reactive(frozenset(), always_update=True)

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.collapsed: set[Group] = set()
        self._by_id: dict[str, Fixture] = {}
        self._keys: list[str] = []  # row keys in order

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        self.watch(self.app, "theme", lambda _: self._rebuild(), init=False)
        # Column widths are measured after rows arrive (on idle): fit the request after.
        self.watch(self, "virtual_size", lambda _: self._fit_request(), init=False)

    def on_resize(self) -> None:
        self._fit_request()

    def _fit_request(self) -> None:
        """In a narrow terminal the request takes the width the other columns leave (cut with
        an ellipsis, never under ``REQUEST_MIN``), so that its status, source and time still
        show without scrolling sideways; the detail has it whole."""
        if not self.columns:
            return
        request = self.columns[ColumnKey("request")]
        if self.app.size.width >= WIDE:
            if not request.auto_width:
                request.auto_width = True
                self._rebuild()
            return
        others = sum(
            column.get_render_width(self)
            for key, column in self.columns.items()
            if key != ColumnKey("request") and key != ColumnKey("notes")
        )
        notes = min(self.columns[ColumnKey("notes")].get_render_width(self), NOTES_NARROW)
        padding = 2 * self.cell_padding
        room = self.scrollable_content_region.width - others - notes - padding
        width = max(REQUEST_MIN, room)
        if request.auto_width or request.width != width:
            request.auto_width = False
            request.width = width
            self.refresh()
        # The table measures its width when rows arrive; a width set since is not in it yet.
        total = sum(column.get_render_width(self) for column in self.columns.values())
        if self.virtual_size.width != total:
            self.virtual_size = Size(total, self.virtual_size.height)

    def watch_fixtures(self) -> None:
        self._rebuild()

    def watch_selected(self) -> None:
        self._rebuild()

    # -- what the screen asks -----------------------------------------------------------

    @property
    def current_key(self) -> str | None:
        if not self._keys or not 0 <= self.cursor_row < len(self._keys):
            return None
        return self._keys[self.cursor_row]

    def current_fixture(self) -> Fixture | None:
        key = self.current_key
        return None if key is None else self._by_id.get(key)

    def current_group(self) -> Group | None:
        """The group of the row under the cursor (a header's or a fixture's)."""
        key = self.current_key
        if key is None:
            return None
        if key.startswith(GROUP_PREFIX):
            provider, operation = key[len(GROUP_PREFIX) :].split("\x00", 1)
            return (provider, operation)
        fixture = self._by_id.get(key)
        return None if fixture is None else group_of(fixture)

    def on_header_row(self) -> bool:
        key = self.current_key
        return key is not None and key.startswith(GROUP_PREFIX)

    # -- building -----------------------------------------------------------------------

    def _rebuild(self) -> None:
        if not self.is_mounted or not self.columns:
            return
        keep_key, keep_row = self.current_key, self.cursor_row
        scroll_y = self.scroll_y
        self.clear()
        self._by_id = {f.id: f for f in self.fixtures}
        self._keys = []
        colours = self.app.get_css_variables()
        warning = colours.get("warning", "yellow")
        primary = colours.get("primary", "cyan")
        several = len({f.provider for f in self.fixtures}) > 1
        for group, members in groupby(ordered(self.fixtures), key=group_of):
            items = list(members)
            self._add_header(group, items, warning, primary, several)
            if group in self.collapsed:
                continue
            for fixture in items:
                self._add_fixture(fixture, warning, primary)
        if not self._keys:
            return
        row = self._keys.index(keep_key) if keep_key in self._keys else keep_row
        self.scroll_to(y=scroll_y, animate=False, immediate=True)
        self.move_cursor(row=max(0, min(row, len(self._keys) - 1)), animate=False)

    def _add_header(
        self, group: Group, items: list[Fixture], warning: str, primary: str, several: bool
    ) -> None:
        key = group_key(group)
        flagged = sum(1 for f in items if problems_of(f))
        chosen = sum(1 for f in items if f.id in self.selected)
        fold = "▸" if group in self.collapsed else "▾"
        count = f"{len(items)} fixture{'s' if len(items) != 1 else ''}"
        if chosen:
            count += f", {chosen} selected"
        self.add_row(
            Text(""),
            Text(str(flagged) if flagged else "", style=f"bold {warning}"),
            Text(f"{fold} {group_label(group, several)}", style=f"bold {primary}"),
            Text(count, style="italic"),
            *(Text("") for _ in ("status", "source", "created", "notes")),
            key=key,
        )
        self._keys.append(key)

    def _add_fixture(self, fixture: Fixture, warning: str, primary: str) -> None:
        chosen = fixture.id in self.selected
        self.add_row(
            Text("●" if chosen else "", style=f"bold {primary}"),
            Text("⚑" if problems_of(fixture) else "", style=f"bold {warning}"),
            Text(""),  # the group's header names the operation
            Text(request_line(fixture.request), no_wrap=True, overflow="ellipsis"),
            Text(str(fixture.response.status)),
            Text(str(fixture.source)),
            Text(clock(fixture.created_at)),
            Text(short_note(fixture.notes), style="italic"),
            key=fixture.id,
        )
        self._keys.append(fixture.id)

    # -- keys ---------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is None:
            return
        event.stop()
        if key.startswith(GROUP_PREFIX):
            group = self.current_group()
            if group is not None:
                self.collapsed.symmetric_difference_update({group})
                self._rebuild()
            return
        self.post_message(self.Opened(key))
