"""Where a mock's limits come from: the defaults, ``[limits]`` in ``entente.toml`` (checked
like every other table), and ``entente mock``'s flags over both, seen on a real ``entente
mock`` process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entente_daemon.config import ServerLimits, load_project_config
from entente_daemon.errors import ConfigError

from .serving import CASTLE, MockProcess, curl

PROJECT = """
service = "castle-client"

[[providers]]
name = "castle-service"
spec = "{spec}"

[limits]
max_body_bytes = 100
max_headers = 30
request_timeout = 2.5
"""


def project(folder: Path, text: str = PROJECT) -> Path:
    file = folder / "entente.toml"
    file.write_text(text.format(spec=CASTLE.as_posix()), encoding="utf-8")
    return file


def test_limits_default_and_come_from_the_file(tmp_path: Path) -> None:
    defaults = ServerLimits()
    assert (defaults.max_header_bytes, defaults.max_headers) == (65536, 100)
    assert (defaults.max_body_bytes, defaults.request_timeout) == (10 * 1024 * 1024, 30.0)
    assert defaults.max_connections == 500
    limits = load_project_config(project(tmp_path)).limits
    assert limits == ServerLimits(max_body_bytes=100, max_headers=30, request_timeout=2.5)


def test_a_wrong_limit_is_a_config_problem_with_its_line(tmp_path: Path) -> None:
    text = PROJECT.replace("max_headers = 30", "max_headers = 0\nmax_bodybytes = 5")
    with pytest.raises(ConfigError) as caught:
        load_project_config(project(tmp_path, text))
    message = str(caught.value)
    assert "limits.max_headers" in message
    assert "greater than or equal to 1" in message
    assert "did you mean 'max_body_bytes'?" in message


def test_entente_mock_applies_the_file_and_its_flags(tmp_path: Path, home: Path) -> None:
    project(tmp_path)
    castle = {"name": "Chambord", "region": "Loire", "yearBuilt": 1519, "description": "x" * 150}
    body = json.dumps(castle).encode()
    mock = MockProcess.start(str(CASTLE), "--quiet", home=home, cwd=tmp_path)
    try:
        answer = curl(
            mock.url + "/castles",
            method="POST",
            headers={"Content-Type": "application/json"},
            body=body,
        )
        assert answer.status == 413  # the file's 100 bytes
        assert "exceeds 100 bytes" in answer.json()["detail"]
    finally:
        mock.stop()
    flagged = MockProcess.start(
        str(CASTLE), "--quiet", "--max-body-bytes", "1000", home=home, cwd=tmp_path
    )
    try:
        answer = curl(
            flagged.url + "/castles",
            method="POST",
            headers={"Content-Type": "application/json"},
            body=body,
        )
        assert answer.status == 201  # the flag's 1000 bytes win
    finally:
        flagged.stop()
