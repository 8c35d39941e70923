"""What one line of the Interactions table holds, where it comes from (a stored interaction
or an ``interaction.recorded`` event), how it is drawn, and the filters that select rows.

The filter is the daemon's own (`entente_daemon.client.filters.InteractionFilter`): the
rows of live events pass it here as the stored interactions pass it there.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.theme import Theme

from entente_daemon.client.events import InteractionRecorded
from entente_daemon.client.filters import InteractionFilter
from entente_daemon.model import Interaction

from .clock import clock

STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")


def short_test(test_id: str | None) -> str:
    """The test function of a pytest node id (``tests/test_a.py::test_b[1]`` → ``test_b[1]``)."""
    if not test_id:
        return ""
    return test_id.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class InteractionRow:
    id: str
    consumer: str
    provider: str
    method: str
    path: str
    status: int
    operation_id: str | None
    source: str | None
    test_id: str | None
    run_id: str | None
    duration_ms: float
    seen: datetime | None  # the last time it was made
    count: int
    total: int | None = None  # from a live event: the stored count after it
    # part of its consumer's contract (a test made it, or it was promoted); else exploratory
    contract: bool = True
    #: when it was first made: the time shown. A repeat keeps the row in its place (the
    #: daemon's pages keep recording order), so the times shown never go out of order.
    first: datetime | None = None

    @classmethod
    def of(cls, interaction: Interaction) -> InteractionRow:
        return cls(
            id=interaction.id,
            consumer=interaction.consumer,
            provider=interaction.provider,
            method=interaction.request.method,
            path=interaction.request.path,
            status=interaction.response.status,
            operation_id=interaction.operation_id,
            source=interaction.match.source,
            test_id=interaction.test_id,
            run_id=interaction.run_id,
            duration_ms=interaction.duration_ms,
            seen=interaction.last_seen or interaction.timestamp,
            count=interaction.count,
            contract=interaction.contract,
            first=interaction.timestamp,
        )

    @classmethod
    def from_event(cls, payload: InteractionRecorded) -> InteractionRow:
        """The row an ``interaction.recorded`` event describes."""
        return cls(
            id=payload.id,
            consumer=payload.consumer,
            provider=payload.provider,
            method=payload.method,
            path=payload.path,
            status=payload.status,
            operation_id=payload.operation_id,
            source=payload.source,
            test_id=payload.test_id,
            run_id=payload.run_id,
            duration_ms=payload.duration_ms,
            seen=payload.last_seen or payload.timestamp,
            count=payload.count or 1,
            total=payload.total or None,
            contract=bool(payload.test_id),
            first=payload.timestamp,
        )

    def repeated(self, again: InteractionRow) -> InteractionRow | None:
        """This row after ``again`` (the same interaction made again, from a ``new: false``
        event); None when this row already counts it (it was read after that repeat was
        stored). With the daemon's ``total`` that is exact; without it (an older daemon),
        by time."""
        if again.total is not None:  # the daemon says the stored count: exact, idempotent
            if again.total <= self.count:
                return None
            count = again.total
        elif self.seen is not None and again.seen is not None and again.seen <= self.seen:
            return None
        else:
            count = self.count + again.count
        seen = (
            self.seen
            if again.seen is None or (self.seen and self.seen > again.seen)
            else again.seen
        )
        # The newest answer's explanation (its source, how long it took), as the daemon
        # keeps it; the first-seen time and the place stay.
        return dataclasses.replace(
            self,
            count=count,
            seen=seen,
            run_id=again.run_id or self.run_id,
            source=again.source or self.source,
            duration_ms=again.duration_ms,
        )


def describe_filter(where: InteractionFilter) -> str:
    """The filter as the status line says it: ``provider=…, status=4xx, test=test_b``."""
    parts = [
        f"{label}={value}"
        for label, value in (
            ("provider", where.provider),
            ("operation", where.operation_id),
            ("status", where.status),
            ("test", short_test(where.test_id)),
            ("run", where.run_id[:12] if where.run_id else None),
            ("text", where.text),
        )
        if value
    ]
    return ", ".join(parts)


# -- drawing ---------------------------------------------------------------------------

#: (key, label, width)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("time", "time", 8),
    ("peers", "consumer → provider", 22),
    ("method", "method", 6),
    ("path", "path", 26),
    ("status", "st", 3),
    ("operation", "operation", 13),
    ("source", "source", 9),
    ("test", "test", 20),
    ("duration", "ms", 6),
    ("count", "×", 4),
)


#: In a narrow terminal, the columns left out first, in this order (the detail shows them).
NARROW_DROPS = ("peers", "source", "operation", "duration")
PATH_MIN = 20  # the path column's width when the terminal is narrow
CELL_PADDING = 2  # a cell's padding, left and right


def fit_columns(width: int) -> tuple[tuple[str, str, int], ...]:
    """The columns for a table ``width`` cells wide: all of them when they fit (as drawn
    at 140 columns), else without the least needed ones (`NARROW_DROPS`), the path taking
    what is left. Time, method, path, status, test and count always stay."""

    def needed(columns: list[tuple[str, str, int]]) -> int:
        return sum((PATH_MIN if key == "path" else size) + CELL_PADDING for key, _, size in columns)

    columns = list(COLUMNS)
    if needed(columns) <= width:
        return COLUMNS
    for dropped in NARROW_DROPS:
        columns = [column for column in columns if column[0] != dropped]
        if needed(columns) <= width:
            break
    spare = max(width - needed(columns), 0)
    return tuple(
        (key, label, PATH_MIN + spare if key == "path" else size) for key, label, size in columns
    )


@dataclass(frozen=True)
class Palette:
    """Concrete colours of the current theme (table cells are Rich text, which knows no
    theme variables)."""

    success: str = "green"
    primary: str = "cyan"
    warning: str = "yellow"
    error: str = "red"
    secondary: str = "magenta"
    muted: str = "grey50"

    def status(self, status: int) -> str:
        return {2: self.success, 3: self.primary, 4: self.warning, 5: self.error}.get(
            status // 100, self.muted
        )

    def source(self, source: str | None) -> str:
        return {
            "fixture": self.success,
            "example": self.primary,
            "generated": self.warning,
            "provider": self.secondary,
            "error": self.error,
        }.get(source or "", self.muted)


def palette_for(theme: Theme) -> Palette:
    default = Palette()
    return Palette(
        success=theme.success or default.success,
        primary=theme.primary or default.primary,
        warning=theme.warning or default.warning,
        error=theme.error or default.error,
        secondary=theme.secondary or default.secondary,
        muted="grey50" if theme.dark else "grey42",
    )


def _cell(value: str, style: str = "") -> Text:
    """A one-line cell; the table cuts it to the column's width with an ellipsis."""
    return Text(value, style=style, no_wrap=True, overflow="ellipsis", end="")


def row_cells(row: InteractionRow, palette: Palette) -> list[Text]:
    """The cells in `COLUMNS` order."""
    duration = f"{row.duration_ms:.0f}" if row.duration_ms >= 1 else f"{row.duration_ms:.1f}"
    return [
        _cell(clock(row.first or row.seen)),
        _cell(f"{row.consumer} → {row.provider}"),
        _cell(row.method, "bold"),
        _cell(row.path),
        _cell(str(row.status), f"bold {palette.status(row.status)}"),
        _cell(row.operation_id or "–"),
        _cell(row.source or "–", palette.source(row.source)),
        _test_cell(row, palette),
        Text(duration, justify="right", end=""),
        Text(f"×{row.count}" if row.count > 1 else "", style="bold", end=""),
    ]


#: The test column of an interaction no test made: it is exploratory (never verified), or
#: was promoted into the contract.
EXPLORATORY = "~ exploratory"
PROMOTED = "promoted"


def _test_cell(row: InteractionRow, palette: Palette) -> Text:
    if not row.contract:
        return _cell(EXPLORATORY, f"italic {palette.warning}")
    return _cell(short_test(row.test_id) or PROMOTED, palette.muted)
