"""Specs saved in another encoding than UTF-8 still load (prance detects it), with a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from entente_daemon.openapi import load_spec

CASTLE = Path(__file__).resolve().parents[2] / "examples" / "castle-service" / "openapi.yaml"


@pytest.mark.parametrize(("encoding", "detected"), [("utf-16", "utf-16"), ("cp1252", "windows")])
def test_non_utf8_spec_loads_with_a_warning(tmp_path: Path, encoding: str, detected: str) -> None:
    text = CASTLE.read_text(encoding="utf-8")
    spec_file = tmp_path / "openapi.yaml"
    spec_file.write_bytes(text.encode(encoding))
    spec = load_spec(spec_file)
    assert [op.operation_id for op in spec.operations] == [
        op.operation_id for op in load_spec(CASTLE).operations
    ]
    assert "Château" in str(spec.document)
    [warning] = [w for w in spec.warnings if "not UTF-8" in w.message]
    assert warning.file == spec_file
    assert detected in warning.message
