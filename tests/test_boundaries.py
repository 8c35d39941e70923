"""Data flows one way: the layers of ARCHITECTURE.md, as import-linter contracts in
pyproject.toml ([tool.importlinter]), are kept; and a runtime probe: the daemon never loads
the TUI, the TUI never loads the store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS: list[dict[str, Any]] = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))[
    "tool"
]["importlinter"]["contracts"]
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"

PROBE = """
import json, sys, pkgutil, importlib
import {package}
for info in pkgutil.walk_packages({package}.__path__, "{package}."):
    if not info.name.endswith(".__main__"):
        importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def lint_imports(where: Path, *contract_ids: str) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` in ``where`` (its pyproject.toml, its packages), for these contracts."""
    contracts = [arg for cid in contract_ids for arg in ("--contract", cid)]
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo", *contracts],
        cwd=where,
        env={**os.environ, "COLUMNS": "200"},  # one line per import in the report
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("contract", CONTRACTS, ids=[c["id"] for c in CONTRACTS])
def test_contract_is_kept(contract: dict[str, Any]) -> None:
    done = lint_imports(ROOT, contract["id"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{contract['name']} KEPT" in done.stdout


def test_a_deliberate_violation_breaks_its_contracts(tmp_path: Path) -> None:
    """The contracts do bite: a copy of the packages whose mock imports the recorder fails
    the mock's own contract and the layers, naming the import."""
    for package in ("entente_daemon", "entente_tui"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    media = tmp_path / "entente_daemon" / "mock" / "media.py"
    media.write_text(media.read_text("utf-8") + "\nimport entente_daemon.record\n", "utf-8")

    done = lint_imports(tmp_path, "mock-not-record-daemon", "core-layers")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "The mock serves; it does not record or know the daemon BROKEN" in done.stdout
    assert "entente_daemon's layers, top to bottom" in done.stdout
    assert "Contracts: 0 kept, 2 broken." in done.stdout
    named = "entente_daemon.mock is not allowed to import entente_daemon.record"
    assert done.stdout.count(named) == 2
    assert "entente_daemon.mock.media -> entente_daemon.record" in done.stdout


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
