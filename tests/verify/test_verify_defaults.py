"""``entente verify`` with no options in a provider project: the castle-service example's
``[provider]`` base_url and state handlers (castle_service/states.py, which prepare the
service over HTTP) are the defaults, from the project folder or any folder below it. Options
still win."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.verify.test_castle_service import SERVICE
from tests.verify.test_runner import record_consumer_run
from tests.verify.test_verify_cli import Service, entente


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the castle-service project, one consumer run recorded in a fresh home, and
    the environment the subprocesses get."""
    home = tmp_path / "home"
    monkeypatch.setenv("ENTENTE_HOME", str(home))
    record_consumer_run()
    copy = tmp_path / "castle-service"
    shutil.copytree(SERVICE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    env = {k: v for k, v in os.environ.items() if k not in ("ENTENTE_HOME", "PYTHONPATH")}
    env["ENTENTE_HOME"] = str(home)
    return copy, env


def point_at(project: Path, url: str) -> None:
    config = project / "entente.toml"
    text = config.read_text(encoding="utf-8")
    assert 'base_url = "http://127.0.0.1:8000"' in text, "the example changed: update this test"
    config.write_text(text.replace("http://127.0.0.1:8000", url), encoding="utf-8")


def test_verify_with_no_options_uses_the_project_settings(
    example: tuple[Path, dict[str, str]],
) -> None:
    project, env = example
    with Service(None, env) as url:
        point_at(project, url)
        first = entente(project, env, "verify", "--json")
        # from a folder below the project: its folder is still where handlers import from
        below = entente(project / "castle_service", env, "verify", "--json")
    assert first.returncode == 0, first.stdout + first.stderr
    report = json.loads(first.stdout)
    assert (report["provider"], report["provider_version"]) == ("castle-service", "1.0.0")
    assert (report["passed"], report["failed"], report["stored"]) == (4, 0, True)
    assert below.returncode == 0, below.stdout + below.stderr
    assert json.loads(below.stdout)["passed"] == 4


def test_options_win_over_the_project_settings(example: tuple[Path, dict[str, str]]) -> None:
    project, env = example
    point_at(project, "http://127.0.0.1:9")  # nothing listens there
    with Service(None, env) as url:
        ran = entente(project, env, "verify", "--base-url", url, "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(ran.stdout)["passed"] == 4
    (project / "entente.toml").write_text(
        'service = "castle-service"\n[provider]\nspec = "openapi.yaml"\n', encoding="utf-8"
    )
    nowhere = entente(project, env, "verify")
    assert nowhere.returncode == 2
    assert "no --base-url given and" in nowhere.stderr
    assert "sets no [provider] base_url" in nowhere.stderr
