"""``entente-tui``: the terminal UI that sits beside your tests."""

from __future__ import annotations

import sys


def main() -> None:
    # The screens arrive with the TUI issue; until then say so plainly and point at what works.
    print(
        "entente-tui: the terminal UI is not built yet.\n"
        "Meanwhile: `entente-daemon start` runs the daemon, `entente events` follows its live\n"
        "event stream, and `entente mock SPEC` serves a mock in the foreground.",
        file=sys.stderr,
    )
    sys.exit(1)
