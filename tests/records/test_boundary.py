"""The records port stays below its callers: it may use the store and the client, never the
CLI or the TUI, and of the daemon only its interaction queries (until they move to a package
both share). Read from the source, so imports made inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import entente_daemon.records

PACKAGE = Path(entente_daemon.records.__file__).parent
FORBIDDEN = ("entente_tui", "entente_daemon.cli", "entente_daemon.daemon")
ALLOWED = {"entente_daemon.daemon.services.queries"}


def imported(file: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_records_package_imports_no_caller() -> None:
    offending = {
        f"{file.name}: {name}"
        for file in sorted(PACKAGE.glob("*.py"))
        for name in imported(file)
        if name not in ALLOWED and any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert offending == set()


def test_the_daemon_queries_are_used_in_one_place_only() -> None:
    users = {file.name for file in PACKAGE.glob("*.py") if ALLOWED & imported(file)}
    assert users == {"store.py"}
