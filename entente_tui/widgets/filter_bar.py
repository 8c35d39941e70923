"""The filter bar above the interactions: free text, and a choice each of provider,
operation, status class and test. Posts `FilterBar.Changed` with the filters whenever they
change (the text after a short pause in typing, or at once on enter).

Data down: `set_choices` offers the values known so far; `clear` empties every filter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Select

from entente_daemon.client.filters import InteractionFilter

from .interaction_rows import STATUS_CLASSES, InteractionRow, short_test

TYPING_PAUSE = 0.25  # seconds without a key press before the text filter applies
#: the choices, and the filter's field each one sets
SELECTS = {
    "provider": "provider",
    "operation": "operation_id",
    "status": "status",
    "test": "test_id",
}


class FilterBar(Horizontal):
    class Changed(Message):
        def __init__(self, filters: InteractionFilter) -> None:
            super().__init__()
            self.filters = filters

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id)
        self._sent = InteractionFilter()
        self._typing: Timer | None = None
        self._choices: dict[str, tuple[tuple[str, str], ...]] = {}

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="/ search method, path, operation, test",
            id="filter-text",
            compact=True,
        )
        yield Select[str]((), prompt="provider", id="filter-provider", compact=True)
        yield Select[str]((), prompt="operation", id="filter-operation", compact=True)
        yield Select[str](
            [(name, name) for name in STATUS_CLASSES],
            prompt="status",
            id="filter-status",
            compact=True,
        )
        yield Select[str]((), prompt="test", id="filter-test", compact=True)

    def _select(self, name: str) -> Select[str]:
        return self.query_one(f"#filter-{name}", Select)

    @property
    def text_input(self) -> Input:
        return self.query_one("#filter-text", Input)

    @property
    def filters(self) -> InteractionFilter:
        """What the widgets say now."""
        values: dict[str, Any] = {}
        for name, field in SELECTS.items():
            value = self._select(name).value
            values[field] = value if isinstance(value, str) else None
        text = self.text_input.value.strip()
        return InteractionFilter(text=text or None, **values)

    def set_choices(
        self, *, providers: Iterable[str], operations: Iterable[str], tests: Iterable[str]
    ) -> None:
        """Offer these values (plus whatever is chosen now); the choices stay."""
        wanted = {
            "provider": tuple((p, p) for p in sorted(set(providers))),
            "operation": tuple((o, o) for o in sorted(set(operations))),
            "test": tuple((short_test(t), t) for t in sorted(set(tests), key=short_test)),
        }
        for name, options in wanted.items():
            select = self._select(name)
            current = select.value if isinstance(select.value, str) else None
            if current is not None and current not in {value for _label, value in options}:
                label = short_test(current) if name == "test" else current
                options = (*options, (label, current))
            if options == self._choices.get(name):
                continue
            self._choices[name] = options
            select.set_options(options)
            if current is not None:
                select.value = current

    def clear(self) -> None:
        for name in SELECTS:
            self._select(name).clear()
        self.text_input.value = ""
        self._send()

    def focus_text(self) -> None:
        """Focus the text box now, not after the messages queued already: keys typed right
        after ``/`` (a terminal delivers fast typing as one burst) must reach the box, not
        the table's keys (`Widget.focus` would move the focus only after them)."""
        self.screen.set_focus(self.text_input)

    def focus_next_select(self) -> None:
        """Focus the next choice (provider, operation, status, test, then round again)."""
        selects = [self._select(name) for name in SELECTS]
        focused = next((n for n, s in enumerate(selects) if s.has_focus), -1)
        selects[(focused + 1) % len(selects)].focus()

    # -- telling the screen --------------------------------------------------------------

    def _send(self) -> None:
        if self._typing is not None:
            self._typing.stop()
            self._typing = None
        filters = self.filters
        if filters != self._sent:
            self._sent = filters
            self.post_message(self.Changed(filters))

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        self._send()

    @on(Input.Changed, "#filter-text")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._typing is not None:
            self._typing.stop()
        self._typing = self.set_timer(TYPING_PAUSE, self._send)

    @on(Input.Submitted, "#filter-text")
    def _submitted(self, event: Input.Submitted) -> None:
        self._send()


class KnownValues:
    """The providers, operations and tests seen so far: what the choices offer."""

    def __init__(self) -> None:
        self.providers: set[str] = set()
        self.operations: set[str] = set()
        self.tests: set[str] = set()

    def note(self, rows: Iterable[InteractionRow]) -> bool:
        """Remember the rows' values; whether any was new."""
        before = len(self.providers) + len(self.operations) + len(self.tests)
        for row in rows:
            self.providers.add(row.provider)
            if row.operation_id:
                self.operations.add(row.operation_id)
            if row.test_id:
                self.tests.add(row.test_id)
        return len(self.providers) + len(self.operations) + len(self.tests) != before
