"""One measured TUI session, in its own process (so that its memory is the TUI's alone):

    python -m tests.benchmarks.tui_session --project DIR --mode batched --rate 500 \
        --seconds 10 --out session.json

The app runs headless (``App.run_test``) against the daemon of ``ENTENTE_HOME``. Measured:
the time from entering ``run_test`` until the Interactions table holds its first page of
rows; then, with ``--rate``, the delay from each live interaction's upload (by
`tests.benchmarks.tui_load`, in another process) to its row entering ``screen.table``
(``add_row`` is wrapped on the table instance, so no row is missed between two polls); and
the process's resident memory (``VmRSS``) at start, after the first screen and at the end.

``--mode unbatched`` is the baseline: the app hands every event to the screens the moment it
arrives, instead of once per frame (`entente_tui.app.FRAME_SECONDS`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual import work
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import DataTable

from entente_daemon.model import Event
from entente_tui import app as app_module
from entente_tui.app import EntenteApp
from entente_tui.screens import InteractionsScreen

FIRST_SCREEN_TIMEOUT = 120.0
DRAIN_TIMEOUT = 60.0


def rss_mib() -> float:
    """This process's resident set size, MiB (Linux: /proc/self/status)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class UnbatchedApp(EntenteApp):
    """The baseline: every event goes to the screens as soon as it arrives."""

    # A subclass's relative CSS_PATH would be looked for next to this module.
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    @work(exclusive=True, group="stream")
    async def follow_events(self) -> None:
        async for event in self.client.stream_events(self.last_seq, on_state=self._on_stream):
            self.last_seq = event.seq
            self._pending.append(event)
            self._deliver()


class RowProbe:
    """When each row key first entered a table, and how many event batches the screen got."""

    def __init__(self, screen: InteractionsScreen, table: DataTable[Any]) -> None:
        self.seen: dict[str, float] = {}
        self.batches = 0
        self.events = 0
        add_row = table.add_row
        apply_events = screen.apply_events

        def counting_add_row(*cells: Any, **options: Any) -> Any:
            key = add_row(*cells, **options)
            if key.value is not None and key.value not in self.seen:
                self.seen[key.value] = time.monotonic()
            return key

        def counting_apply(events: Iterable[Event]) -> None:
            batch = list(events)
            self.batches += 1
            self.events += len(batch)
            apply_events(batch)

        # Instance attributes shadow the methods: nothing else of the app changes.
        setattr(table, "add_row", counting_add_row)  # noqa: B010
        setattr(screen, "apply_events", counting_apply)  # noqa: B010


def interactions_table(app: EntenteApp) -> DataTable[Any] | None:
    screen = app.screen
    if not isinstance(screen, InteractionsScreen):
        return None
    try:
        table = screen.table
    except NoMatches:  # the screen is not composed yet
        return None
    return table if isinstance(table, DataTable) else None


async def wait(pilot: Pilot[None], condition: Callable[[], bool], what: str, limit: float) -> None:
    """Let the app run until ``condition`` holds (checked every 5 ms), at most ``limit`` s."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {limit:.0f}s waiting for {what}")
        await pilot.pause(0.005)


async def load(rate: int, seconds: float, first: int, out: Path) -> dict[str, Any]:
    """Run the load generator to completion without blocking the app's event loop."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.benchmarks.tui_load",
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
        "--first",
        str(first),
        "--out",
        str(out),
    )
    code = await process.wait()
    if code != 0:
        raise RuntimeError(f"the load generator failed (exit {code})")
    text = await asyncio.to_thread(out.read_text, encoding="utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


async def session(
    project: Path, mode: str, rate: int, seconds: float, first: int = 1_000_000
) -> dict[str, Any]:
    result: dict[str, Any] = {"mode": mode, "rss_start_mib": rss_mib()}
    app_class = UnbatchedApp if mode == "unbatched" else EntenteApp
    app = app_class(project, start_daemon=False)
    began = time.monotonic()
    async with app.run_test(size=(140, 40)) as pilot:

        def first_page() -> bool:
            table = interactions_table(app)
            return table is not None and table.row_count > 0

        await wait(pilot, first_page, "the first page of interactions", FIRST_SCREEN_TIMEOUT)
        result["first_screen_s"] = time.monotonic() - began
        table = interactions_table(app)
        assert table is not None
        result["first_page_rows"] = table.row_count
        result["rss_first_screen_mib"] = rss_mib()
        await wait(pilot, lambda: app.connection == "live", "the event stream", 30)
        if rate > 0:
            screen = app.screen
            assert isinstance(screen, InteractionsScreen)
            probe = RowProbe(screen, table)
            with tempfile.TemporaryDirectory() as folder:
                sent = await load(rate, seconds, first, Path(folder) / "sent.json")
            ids: dict[str, float] = sent["sent"]
            with contextlib.suppress(TimeoutError):  # reported as rows missing
                await wait(
                    pilot,
                    lambda: all(i in probe.seen for i in ids),
                    "every live interaction's row",
                    DRAIN_TIMEOUT,
                )
            delays = [probe.seen[i] - t for i, t in ids.items() if i in probe.seen]
            result.update(
                sent=len(ids),
                shown=len(delays),
                delays_s=delays,
                achieved_rate=sent["rate"],
                late_ticks=sent["late_ticks"],
                batches=probe.batches,
                events=probe.events,
                rows_at_end=table.row_count,
            )
        result["rss_end_mib"] = rss_mib()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--mode", choices=("batched", "unbatched"), default="batched")
    parser.add_argument("--rate", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--first", type=int, default=1_000_000, help="first workload number of the live load"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if "ENTENTE_HOME" not in os.environ:
        parser.error("set ENTENTE_HOME to the benchmark's home")
    result = asyncio.run(session(args.project, args.mode, args.rate, args.seconds, args.first))
    args.out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
