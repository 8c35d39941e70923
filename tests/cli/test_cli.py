"""The ``entente`` command as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASTLE = ROOT / "examples" / "castle-service" / "openapi.yaml"
BROKEN = ROOT / "tests" / "specs" / "broken"


def entente(
    *args: str, cwd: Path = ROOT, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if home is not None:
        env["ENTENTE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "entente_daemon.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_help_lists_the_commands() -> None:
    done = entente("--help")
    assert done.returncode == 0
    for command in ("spec", "config"):
        assert f"  {command} " in done.stdout


def test_spec_check_lists_operations() -> None:
    done = entente("spec", "check", str(CASTLE))
    assert done.returncode == 0, done.stderr
    assert "Castle Service 1.0.0" in done.stdout
    for line in (
        "GET     /castles       listCastles",
        "POST    /castles       createCastle",
        "GET     /castles/{id}  getCastle",
        "DELETE  /castles/{id}  deleteCastle",
    ):
        assert line in done.stdout
    assert "ok: the spec can be served" in done.stdout


def test_spec_check_json() -> None:
    done = entente("spec", "check", "--json", str(CASTLE))
    report = json.loads(done.stdout)
    assert report["openapi"] == "3.0"
    assert [op["operationId"] for op in report["operations"]] == [
        "listCastles",
        "createCastle",
        "getCastle",
        "deleteCastle",
    ]
    assert report["warnings"] == []


def test_spec_check_prints_warnings_with_file_and_line() -> None:
    spec = ROOT / "tests" / "specs" / "invalid-regex.yaml"
    done = entente("spec", "check", "--json", str(spec))
    assert done.returncode == 0
    [warning] = json.loads(done.stdout)["warnings"]
    assert warning.startswith(f"{spec}:") or "invalid-regex.yaml:" in warning


def test_broken_spec_is_one_line_with_file_and_line_and_no_traceback() -> None:
    done = entente("spec", "check", str(BROKEN / "half-typed.yaml"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert "half-typed.yaml:" in line


def test_config_show(tmp_path: Path) -> None:
    project = ROOT / "examples" / "castle-client"
    done = entente("config", "show", "--json", cwd=project, home=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["service"] == "castle-client"
    assert shown["providers"][0]["spec"] == str(CASTLE)
    assert shown["home"] == str(tmp_path)


def test_invalid_config_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "entente.toml").write_text("service = 'x'\n[[providers]]\nname = 'p'\nport = 0\n")
    done = entente("config", "show", cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    # with the key's line since issue 12 (was "entente.toml: providers[0].port:")
    assert f"{tmp_path / 'entente.toml'}:4: providers[0].port:" in done.stderr
