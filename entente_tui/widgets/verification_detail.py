"""The selected verification run: what it verified, its counts and times, notes (where it
ran, what it skipped, why it stopped) and its failures, each as a `FailureCard`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from .clock import clock, stamp
from .verification_data import RunDetail
from .verification_failure import FailureCard

CARDS = 50  # failures shown at most (each is a few widgets)


def detail_title(detail: RunDetail) -> str:
    row = detail.row
    consumers = f" → {row.consumers}" if row.consumers else ""
    return f"{row.provider} {row.provider_version}{consumers}"


def detail_counts(detail: RunDetail) -> str:
    row = detail.row
    when = f"started {stamp(row.started_at)}"
    if row.finished_at is not None:
        when += f", finished {clock(row.finished_at)}"
    counts = f"{row.passed} passed, {row.failed} failed"
    if row.running:
        counts = f"{row.done}/{row.total} done, {counts}"
    return f"{row.state}: {counts} ({row.environment}); {when}"


class VerificationDetail(VerticalScroll, can_focus=True):
    """Shows `detail` (None: nothing selected)."""

    detail: reactive[RunDetail | None] = reactive(None, recompose=True)

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self, _theme: str) -> None:
        self.refresh(recompose=True)  # the JSON's colours follow the theme

    def compose(self) -> ComposeResult:
        detail = self.detail
        if detail is None:
            yield Static("Select a run to see its failures.", classes="detail-empty")
            return
        yield Static(detail_title(detail), classes="detail-title", markup=False)
        yield Static(detail_counts(detail), classes=f"detail-counts state-{detail.row.state}")
        for note in detail.notes:
            yield Static(note, classes="detail-note", markup=False)
        if detail.loading:
            yield Static("Loading the failures…", classes="detail-empty")
            return
        if detail.failures:
            total = max(detail.failures_total, len(detail.failures))
            shown = detail.failures[:CARDS]
            more = f" (the first {len(shown)})" if total > len(shown) else ""
            yield Static(f"Failures: {total}{more}", classes="detail-heading")
            dark = self.app.current_theme.dark
            for failure in shown:
                yield FailureCard(failure, dark=dark)
        elif detail.row.running:
            yield Static("Running: failures are listed when it finishes.", classes="detail-empty")
        elif detail.row.state == "passed":
            yield Static(f"All {detail.row.passed} interaction(s) passed.", classes="detail-empty")
