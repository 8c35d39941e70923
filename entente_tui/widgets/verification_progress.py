"""A progress bar per running verification, updated in place as progress events arrive.
Give it the running runs (`show`); a run that finishes leaves it."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ProgressBar

from .verification_data import RunRow


def progress_label(row: RunRow) -> str:
    consumers = f" → {row.consumers}" if row.consumers else ""
    if row.total == 0 and row.done == 0:
        return f"{row.provider} {row.provider_version}{consumers}: starting"
    return (
        f"{row.provider} {row.provider_version}{consumers}: {row.done}/{row.total}, "
        f"{row.passed} passed, {row.failed} failed"
    )


class RunProgress(Horizontal):
    """One running run: what it verifies and how far it got."""

    def __init__(self, row: RunRow) -> None:
        super().__init__(classes="run-progress")
        self.row = row

    def compose(self) -> ComposeResult:
        yield Label(progress_label(self.row), classes="run-progress-label")
        yield ProgressBar(total=self.row.total or None, show_eta=False, classes="run-progress-bar")

    def on_mount(self) -> None:
        self.set_row(self.row)

    def set_row(self, row: RunRow) -> None:
        self.row = row
        self.query_one(Label).update(progress_label(row))
        bar = self.query_one(ProgressBar)
        bar.update(total=row.total or None, progress=row.done)
        self.set_class(row.failed > 0, "-failing")

    @property
    def bar(self) -> ProgressBar:
        return self.query_one(ProgressBar)


class VerificationProgress(Vertical):
    """The running runs, one `RunProgress` each; hidden when none runs."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's widget id)
        super().__init__(id=id)
        self._shown: dict[str, RunProgress] = {}

    @property
    def bars(self) -> dict[str, RunProgress]:
        """Run key → its progress widget."""
        return dict(self._shown)

    def show(self, running: Sequence[RunRow]) -> None:
        wanted = {row.key: row for row in running}
        for key in list(self._shown):
            if key not in wanted:
                self._shown.pop(key).remove()
        for key, row in wanted.items():
            widget = self._shown.get(key)
            if widget is None:
                widget = self._shown[key] = RunProgress(row)
                self.mount(widget)
            elif widget.row != row and widget.is_mounted:
                widget.set_row(row)
            else:
                widget.row = row
        self.display = bool(wanted)
