"""Every command a message or docstring of the package tells a user to run
(`` `entente …` ``, ``entente-daemon …``) exists in the click command tree, with the options
it names.

Nothing may import the CLI (the `nothing-imports-cli` contract), tests included: the command
trees are those of the installed ``entente`` and ``entente-daemon`` programs, loaded through
their console-script entry points as the programs themselves are."""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import click
import pytest

import entente_daemon
from entente_daemon.model import Fixture, FixtureStatus, HttpRequest, HttpResponse
from entente_daemon.store import Store


def program(name: str) -> click.Group:
    """The click group behind an installed console script (its ``main``'s module's ``cli``)."""
    [script] = entry_points(group="console_scripts", name=name)
    group = getattr(inspect.getmodule(script.load()), "cli", None)
    assert isinstance(group, click.Group), f"{script.value}: no click group `cli` beside it"
    return group


entente_cli = program("entente")
daemon_cli = program("entente-daemon")
PACKAGE = Path(entente_daemon.__file__).parent
#: A command named in text: `entente …`, ``entente …``, or (entente …) as prose.
HINT = re.compile(r"(?:`{1,2}|\()(entente(?:-daemon)? [^`()]*?)(?:`{1,2}|\))")
TOKEN = re.compile(r"[a-z][a-z0-9-]*|--?[a-z][a-z0-9-]*")


def strings(path: Path) -> list[str]:
    """The string literals of a module (f-strings: their literal parts joined, with each
    placeholder as ``X``)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            found.append(
                "".join(str(v.value) if isinstance(v, ast.Constant) else "X" for v in node.values)
            )
    return found


#: "publish one with `entente spec`": the verb a bare command group is asked to do.
DOING = re.compile(r"(\w+) (?:one |it |them )?(?:with|through|using) \W*$")


def hints() -> dict[str, set[str]]:
    """Each hinted command line (with the verb before it, when it says "VERB with `…`",
    as ``VERB: entente …``) → the modules naming it."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for text in strings(path):
            text = " ".join(text.split())
            for match in HINT.finditer(text):
                doing = DOING.search(text[: match.start() + 1])
                hint = match.group(1).strip()
                if doing is not None:
                    hint = f"{doing.group(1)}: {hint}"
                found.setdefault(hint, set()).add(str(path.relative_to(PACKAGE.parent)))
    return found


def problem(hint: str) -> str | None:
    """Why ``hint`` names no command of the tree (None: it does). ``VERB: entente GROUP``
    (a group asked to do VERB) needs VERB among the group's commands."""
    verb, _, hint = hint.rpartition(": ")
    program, *words = hint.split()
    command: click.Command = daemon_cli if program == "entente-daemon" else entente_cli
    for word in words:
        if word in ("&&", "|", ";"):
            return None  # a second command follows (checked as its own hint)
        if word.startswith("-"):
            option = word.split("=", 1)[0]
            names = {n for p in command.params for n in getattr(p, "opts", [])}
            names |= {"--help", "-h"}
            if option not in names:
                return f"{command.name} has no option {option}"
            continue
        if not TOKEN.fullmatch(word):
            continue  # an argument: ID, SPEC, a value, a placeholder
        if isinstance(command, click.Group):
            sub = command.get_command(click.Context(command), word)
            if sub is None:
                return f"{command.name} has no command {word!r} (it has: {names_of(command)})"
            command = sub
    if (
        verb
        and isinstance(command, click.Group)
        and command.get_command(click.Context(command), verb) is None
    ):
        return f"{command.name} has no command {verb!r} (it has: {names_of(command)})"
    return None


def names_of(group: click.Group) -> str:
    """The group's commands, loaded or not (the ``entente`` group loads them lazily)."""
    return ", ".join(sorted(group.list_commands(click.Context(group))))


def test_hints_are_found() -> None:
    found = hints()
    assert "entente verify" in found
    assert any(h.startswith("entente-daemon start") for h in found)
    assert any(h.startswith("entente fixtures show") for h in found)


def test_every_hinted_command_exists() -> None:
    wrong = {
        hint: (reason, sorted(where))
        for hint, where in hints().items()
        if (reason := problem(hint)) is not None
    }
    assert wrong == {}


def test_a_missing_command_is_caught() -> None:
    assert problem("entente spec publish") is not None
    assert problem("publish: entente spec") is not None
    assert problem("check: entente spec") is None
    assert problem("start: entente verify") is None
    assert problem("entente fixtures show --nope") is not None
    assert problem("entente fixtures show ID") is None
    assert problem("entente-daemon stop && entente-daemon start --tcp") is None


def test_fixtures_check_without_options_suggests_what_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An approved fixture, no spec anywhere: the hint names options and settings that
    exist (there is no `entente spec` command to publish one)."""
    home = tmp_path / "home"
    monkeypatch.setenv("ENTENTE_HOME", str(home))
    with Store.open(home / "store") as store:
        store.fixtures.add(
            Fixture(
                provider="castle-service",
                operation_id="listCastles",
                request=HttpRequest(method="GET", path="/castles"),
                response=HttpResponse(status=200, body=[]),
                status=FixtureStatus.APPROVED,
            )
        )
    done = subprocess.run(
        [sys.executable, "-m", "entente_daemon.cli", "fixtures", "check"],
        cwd=tmp_path,  # no project here
        env={**os.environ, "ENTENTE_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert "no spec known for provider 'castle-service'" in message
    assert "entente spec" not in message
    assert "--spec" in message
    for hint in HINT.findall(message):
        assert problem(hint) is None, hint
