"""``entente-tui``: the terminal UI that sits beside your tests."""

from __future__ import annotations

import sys


def main() -> None:
    # The screens arrive with the daemon and TUI issues; until then say so plainly.
    print(
        "entente-tui: the terminal UI needs the Entente daemon, which is not built yet.\n"
        "Meanwhile: `entente spec check PATH` checks a spec and lists its operations.",
        file=sys.stderr,
    )
    sys.exit(1)
