"""Data flows one way: the daemon never imports the TUI, the TUI never opens the store."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys, pkgutil, importlib
import {package}
for info in pkgutil.walk_packages({package}.__path__, "{package}."):
    if not info.name.endswith(".__main__"):
        importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(package: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(package=package)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("entente_daemon", {"textual", "entente_tui"}),
        ("entente_tui", {"tinydb", "watchfiles", "uvicorn", "prance"}),
    ],
)
def test_one_way_imports(package: str, forbidden: set[str]) -> None:
    assert roots(loaded_modules(package)) & forbidden == set()
