"""State handlers are imported from the project folder, which is first on the module path
for that import only: afterwards a module of the project named like one of the standard
library's does not shadow it, while the project's own modules stay importable."""

from __future__ import annotations

import importlib
import sys
import sysconfig
from pathlib import Path

import pytest

from entente_daemon.verify.state_loading import load_state_handlers

STATES = """
def arrange():
    return "arranged"


HANDLERS = {"getCastle": arrange}
"""


def test_the_project_folder_is_first_only_for_the_handlers_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "provider"
    project.mkdir()
    (project / "castle_states_only_here.py").write_text(STATES, encoding="utf-8")
    (project / "colorsys.py").write_text("SHADOWED = True\n", encoding="utf-8")
    (project / "castle_helpers_only_here.py").write_text("HELPED = True\n", encoding="utf-8")
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("colorsys", "castle_states_only_here", "castle_helpers_only_here"):
        monkeypatch.delitem(sys.modules, name, raising=False)

    handlers = load_state_handlers("castle_states_only_here:HANDLERS", project)

    assert handlers["getCastle"]() == "arranged"
    stdlib = sysconfig.get_paths()["stdlib"]
    assert sys.path.index(str(project)) > sys.path.index(stdlib), "after the standard library"
    colorsys = importlib.import_module("colorsys")
    assert not hasattr(colorsys, "SHADOWED"), "the project's colorsys.py shadowed the stdlib's"
    assert importlib.import_module("castle_helpers_only_here").HELPED  # still importable
