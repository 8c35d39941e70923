"""The deploy-pipeline example, run as a user runs it: one command, every gate as it should
be (the broken provider build refused), in a home of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "examples" / "deploy-pipeline" / "pipeline.py"


@pytest.mark.timeout(600)
def test_the_pipeline_walks_to_production_and_refuses_the_broken_build(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--home", str(tmp_path / "h")],
        capture_output=True,
        text=True,
        timeout=580,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "can castle-client 1.0.0 deploy to dev? UNKNOWN" in out  # before its provider
    for environment in ("dev", "staging", "production"):
        assert f"castle-service 1.0.0 is now active in {environment}" in out
        assert f"castle-client 1.0.0 is now active in {environment}" in out
    assert "can castle-service 1.1.0 deploy to dev? NO" in out
    assert "castle-service 1.1.0 was refused at the gate" in out
    assert "✘ failed   castle-client 1.0.0" in out  # the matrix shows the broken build
    assert "pipeline: every gate said what it should" in out
