"""``entente-tui [PROJECT_DIR]``: the terminal UI that sits beside your tests."""

from __future__ import annotations

import argparse
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="entente-tui",
        description="Live interactions, test runs, verifications, fixtures and alerts from "
        "the Entente daemon (started when none runs).",
    )
    parser.add_argument(
        "project_dir",
        nargs="?",
        type=Path,
        default=Path.cwd(),
        help="the project to attach (a folder with entente.toml); default: this folder",
    )
    parser.add_argument(
        "--no-start", action="store_true", help="do not start the daemon when none runs"
    )
    parser.add_argument("--light", action="store_true", help="start with the light theme")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from entente_tui.app import EntenteApp  # after argument errors, which need no Textual

    app = EntenteApp(
        args.project_dir.resolve(), start_daemon=not args.no_start, dark=not args.light
    )
    app.run()
