"""``entente verify`` and ``entente config show`` tell a new provider what to do next: what
state handlers are when none is declared, that nothing listens at the base URL (one line,
exit 2), the ``[provider]`` settings in force, and every failure kind in the README."""

from __future__ import annotations

import json
import os
from pathlib import Path

from entente_daemon.model import ErrorKind
from tests.verify.test_castle_service import free_port
from tests.verify.test_verify_cli import Service, entente
from tests.verify.test_verify_defaults import example, point_at

__all__ = ["example"]  # the fixture, used by name below

README = Path(__file__).resolve().parents[2] / "README.md"


def without_handlers(project: Path) -> None:
    config = project / "entente.toml"
    text = config.read_text(encoding="utf-8")
    line = 'state_handlers = "castle_service.states:HANDLERS"\n'
    assert line in text, "the example changed: update this test"
    config.write_text(text.replace(line, ""), encoding="utf-8")


def test_missing_state_handlers_are_explained_once_at_the_top(
    example: tuple[Path, dict[str, str]],
) -> None:
    project, env = example
    without_handlers(project)
    with Service(None, env) as url:
        point_at(project, url)
        ran = entente(project, env, "verify")
        as_json = entente(project, env, "verify", "--json")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    hints = [n for n, line in enumerate(lines) if line.startswith("hint:")]
    failures = [n for n, line in enumerate(lines) if line.startswith("FAILED")]
    assert len(hints) == 1, ran.stdout
    assert len(failures) == 4, ran.stdout
    assert hints[0] < failures[0], ran.stdout
    hint = lines[hints[0]]  # one line, however long
    assert "4 interaction(s) failed because no state handler" in hint
    assert "[provider] state_handlers" in hint
    assert "--on-missing continue" in hint
    assert ran.stdout.count("no state handler for 'listCastles'") == 1
    report = json.loads(as_json.stdout)
    assert "[provider] state_handlers" in report["hint"]


def test_no_hint_when_every_interaction_has_a_handler(
    example: tuple[Path, dict[str, str]],
) -> None:
    project, env = example
    with Service(None, env) as url:
        point_at(project, url)
        ran = entente(project, env, "verify", "--json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(ran.stdout)["hint"] is None


def test_nothing_listening_is_one_line_and_exit_2(example: tuple[Path, dict[str, str]]) -> None:
    project, env = example
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    point_at(project, url)
    ran = entente(project, env, "verify")
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert ran.stderr.strip().splitlines() == [
        f"error: nothing is listening at {url}: start the provider, or pass --base-url"
    ]
    assert "FAILED" not in ran.stdout
    assert "ConnectError" not in ran.stdout + ran.stderr
    other = f"http://127.0.0.1:{free_port()}"
    flagged = entente(project, env, "verify", "--base-url", other, "--json")
    assert flagged.returncode == 2
    assert f"nothing is listening at {other}" in flagged.stderr
    assert flagged.stdout == ""


def test_verify_help_promises_exit_2_for_what_cannot_run(tmp_path: Path) -> None:
    done = entente(tmp_path, dict(os.environ), "verify", "--help")
    help_text = " ".join(done.stdout.split())
    assert "2 when it cannot run" in help_text
    assert "nothing listening" in help_text


def test_config_show_has_the_provider_settings(example: tuple[Path, dict[str, str]]) -> None:
    project, env = example
    config = project / "entente.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + 'on_missing = "continue"\n', encoding="utf-8"
    )
    shown = entente(project, env, "config", "show")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "provides castle-service:" in shown.stdout
    assert "base URL: http://127.0.0.1:8000" in shown.stdout
    assert "state handlers: castle_service.states:HANDLERS" in shown.stdout
    assert "on missing handler: continue" in shown.stdout
    data = json.loads(entente(project, env, "config", "show", "--json").stdout)
    assert data["provides"]["base_url"] == "http://127.0.0.1:8000"
    assert data["provides"]["state_handlers"] == "castle_service.states:HANDLERS"
    assert data["provides"]["on_missing"] == "continue"
    # without settings: the defaults, said as such
    config.write_text(
        'service = "castle-service"\n[provider]\nspec = "openapi.yaml"\n', encoding="utf-8"
    )
    bare = entente(project, env, "config", "show").stdout
    assert "base URL: not set (entente verify needs --base-url)" in bare
    assert "state handlers: none" in bare
    assert "on missing handler: fail (the default)" in bare


def test_readme_documents_every_failure_kind() -> None:
    text = README.read_text(encoding="utf-8")
    undocumented = [kind.value for kind in ErrorKind if f"`{kind.value}`" not in text]
    assert undocumented == []
