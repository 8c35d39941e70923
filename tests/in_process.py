"""``entente ARGS`` run inside the test's own process, for tests about what a command does
(its output, exit code, effect on the store or the daemon) rather than about the process.

A subprocess costs about 0.8 s of CPU to start Python and import Entente; this costs
milliseconds. The command goes through `run_cli` as the ``entente`` entry point does, so the
exit codes (2 for an error a user can act on, click's for usage errors) and the one-line
``error: …`` messages are the real ones. A few tests still start the real entry point
(``tests/cli/test_cli.py``, the deploy pipeline example)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import click
from click.testing import CliRunner

from entente_daemon.cli.main import cli
from entente_daemon.cli.runner import run_cli


@dataclass(frozen=True)
class Ran:
    """What a finished command left: the fields of `subprocess.CompletedProcess` the tests
    read, so a test reads the same whether its command ran here or in a process."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class _AsEntente:
    """The ``entente`` group as `run_cli` calls it, named ``entente`` in usage messages
    (click would name it after pytest, the program it finds running)."""

    name = "entente"

    def main(self, args: Sequence[str] | None = None, **extra: Any) -> Any:
        extra["prog_name"] = "entente"
        return cli.main(args=args, **extra)


class _EntryPoint:
    """What `CliRunner.invoke` runs: `run_cli` over the ``entente`` group, as ``main()``."""

    name = "entente"

    def main(self, args: Sequence[str] | None = None, **_: Any) -> None:
        run_cli(cast(click.Group, _AsEntente()), args)


@contextmanager
def _working_in(folder: Path | None) -> Iterator[None]:
    if folder is None:
        yield
        return
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _imported_afresh(packages: Sequence[str]) -> Iterator[None]:
    """Inside the block, ``packages`` (and their modules) are not imported yet, as in a new
    process: a command importing a project's module (state handlers) finds the project's own
    copy, not one this process imported earlier from elsewhere. After the block, what it
    imported is forgotten, the earlier modules are back, and ``sys.path`` is as it was."""

    def ours(name: str) -> bool:
        return any(name == p or name.startswith(f"{p}.") for p in packages)

    earlier = {name: module for name, module in sys.modules.items() if ours(name)}
    path = list(sys.path)
    for name in earlier:
        del sys.modules[name]
    try:
        yield
    finally:
        for name in [name for name in sys.modules if ours(name)]:
            del sys.modules[name]
        sys.modules.update(earlier)
        sys.path[:] = path


def entente(
    home: Path | None,
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    stdin: str | None = None,
    fresh: Sequence[str] = (),
) -> Ran:
    """``entente ARGS`` for the Entente home ``home`` (None: the one the environment names),
    in the folder ``cwd`` (default: here), with the environment overrides ``env``; the
    packages ``fresh`` imported afresh (`_imported_afresh`)."""
    overrides: dict[str, str | None] = dict(env or {})
    if home is not None:
        overrides["ENTENTE_HOME"] = str(home)
    runner = CliRunner(catch_exceptions=False)
    with _working_in(cwd), _imported_afresh(fresh):
        done = runner.invoke(
            cast(click.Command, _EntryPoint()), list(args), input=stdin, env=overrides
        )
    return Ran(args=args, returncode=done.exit_code, stdout=done.stdout, stderr=done.stderr)
