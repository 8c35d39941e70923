"""Helpers for the Verifications screen's tests: the castle service as a provider project
(next to the castle client's copy, as in the example), served for real, with state handlers
that can hold a verification at its last interaction until the test lets it go on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from textual.app import App

from entente_tui.widgets.verification_table import VerificationTable
from tests.daemon.castle_project import CastleProject
from tests.verify.test_verify_cli import Service

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "castle-service"
PROVIDER_VERSION = "2.0.0"
HANDLER_ERROR = "getCastle's handler raised KeyError: 'id'"

# The example's handlers, but deleteCastle (the castle client's last test) first waits for
# the file `gate` next to this module: the run stays "running" while the test looks at it.
GATED_HANDLERS = """
import time
from pathlib import Path

from castle_service.states import HANDLERS as EXAMPLE

GATE = Path(__file__).with_name("gate")
PATIENCE = 60.0


def gated(id, interaction):
    deadline = time.monotonic() + PATIENCE
    while not GATE.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the test never opened the gate")
        time.sleep(0.02)  # polling the gate, in the verifier's process
    return EXAMPLE["deleteCastle"](id, interaction)


HANDLERS = {**EXAMPLE, "deleteCastle": gated}
"""


def provider_project(castle: CastleProject, base_url: str) -> Path:
    """Make the copied castle-service folder a provider project verified at ``base_url``
    with the gated handlers; its folder."""
    folder = castle.spec.parent
    shutil.copytree(
        EXAMPLE / "castle_service",
        folder / "castle_service",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (folder / "gated_states.py").write_text(GATED_HANDLERS, encoding="utf-8")
    (folder / "entente.toml").write_text(
        'service = "castle-service"\n'
        f'version = "{PROVIDER_VERSION}"\n\n'
        "[provider]\n"
        'spec = "openapi.yaml"\n'
        f'base_url = "{base_url}"\n'
        'state_handlers = "gated_states:HANDLERS"\n',
        encoding="utf-8",
    )
    return folder


def open_gate(folder: Path) -> None:
    (folder / "gate").write_text("go", encoding="utf-8")


def castle_service(variant: str | None) -> Service:
    """``python -m castle_service`` (the example's own folder), not yet started."""
    env = {k: v for k, v in os.environ.items() if k not in ("ENTENTE_HOME", "PYTHONPATH")}
    return Service(variant, env)


def run_rows(app: App[None]) -> list[list[str]]:
    """Every row of the runs table as text, top to bottom."""
    table = app.screen.query_one(VerificationTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
