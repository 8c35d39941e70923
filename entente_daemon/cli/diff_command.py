"""``entente diff OLD NEW``: the changes between two versions of a spec, by the rule catalogue.

The old version is a file, or with ``--base`` the new file's version at a git ref
(``git:main``: the spec's folder at that ref, so its ``$ref``s to other files work) or the
latest version registered for the service (``registered``). Exit status: 0, or 1 when a
change at or above ``--fail-on`` is found; 2 for a usage or load error (with file and line).

`report_for` is the seam the printing goes through: consumer impact plugs in there.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from entente_daemon.cli.diff_impact import (
    FAIL_ON_IMPACT,
    IMPACT_OPTION,
    PROVIDER_OPTION,
    print_with_impact,
)
from entente_daemon.diff import DiffReport, Level, diff_specs
from entente_daemon.diff.changes import Change
from entente_daemon.diff.render import catalogue_text, to_json, to_markdown, to_text
from entente_daemon.errors import EntenteError
from entente_daemon.git import GitError, run_git
from entente_daemon.openapi import Spec, load_spec, load_spec_text

#: what git may hold of a spec: the files read at a ref
_SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_GIT_TIMEOUT = 60.0


class BaseError(EntenteError):
    """The ``--base`` version cannot be found."""


def report_for(old: Spec, new: Spec) -> DiffReport:
    """The report `entente diff` prints: the seam for more (consumer impact) around it."""
    return diff_specs(old, new)


@click.command("diff")
@click.argument("old", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--base",
    help="Compare NEW (the one file given) with git:REF (its version at a git ref) or "
    "'registered' (the latest version registered for --service).",
)
@click.option("--service", help="With --base registered: whose spec (default: the project's).")
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="markdown is made for a pull-request comment.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["breaking", "warning", FAIL_ON_IMPACT]),
    help="Exit 1 when a change at or above this level is found (impact: only when a "
    "recorded consumer is broken).",
)
@IMPACT_OPTION
@PROVIDER_OPTION
@click.option("--rules", "list_rules", is_flag=True, help="Print the rule catalogue and exit.")
def diff_command(
    old: Path | None,
    new: Path | None,
    base: str | None,
    service: str | None,
    output: str,
    fail_on: str | None,
    list_rules: bool,
    impact: bool,
    impact_provider: str | None,
) -> None:
    """The changes from OLD to NEW spec, breaking ones first in mind.

    \b
      entente diff old.yaml new.yaml
      entente diff --base git:main openapi.yaml --format markdown
      entente diff --base registered openapi.yaml --fail-on breaking
    """
    if list_rules:
        click.echo(catalogue_text())
        return
    try:
        with _specs(old, new, base, service) as (old_spec, new_spec, rename):
            report = _relabel(report_for(old_spec, new_spec), rename)
    except EntenteError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
    if impact or fail_on == FAIL_ON_IMPACT:
        sys.exit(
            print_with_impact(
                report,
                old_spec,
                new_spec,
                fmt=output,
                fail_on=fail_on,
                provider=impact_provider or service,
                spec_files=(old, new),
            )
        )
    if output == "json":
        click.echo(to_json(report))
    elif output == "markdown":
        click.echo(to_markdown(report), nl=False)
    else:
        click.echo(to_text(report))
    if fail_on is not None and report.at_least(Level(fail_on)):
        sys.exit(1)


#: (temporary folder, what to call it in messages)
Rename = tuple[str, str] | None


@contextmanager
def _specs(
    old: Path | None, new: Path | None, base: str | None, service: str | None
) -> Iterator[tuple[Spec, Spec, Rename]]:
    if base is None:
        if old is None or new is None:
            raise click.UsageError("give OLD and NEW spec files, or NEW with --base")
        yield (
            load_spec(_existing(old), validate=False),
            load_spec(_existing(new), validate=False),
            None,
        )
        return
    if new is not None:
        raise click.UsageError("with --base, give only the NEW spec file")
    if old is None:
        raise click.UsageError("give the spec file to compare with --base")
    current = _existing(old)
    if base.startswith("git:") and len(base) > 4:
        ref = base[4:]
        with _at_git_ref(current, ref) as (old_file, folder, label):
            yield (
                load_spec(old_file, validate=False),
                load_spec(current, validate=False),
                (
                    folder,
                    label,
                ),
            )
        return
    if base == "registered":
        yield _registered(service), load_spec(current, validate=False), None
        return
    raise click.UsageError(f"--base {base!r}: use git:REF (e.g. git:main) or registered")


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise click.UsageError(f"{path}: no such file")
    return path


def _git(folder: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        return run_git(folder, *args, stdin=stdin, timeout=_GIT_TIMEOUT)
    except GitError as exc:
        raise BaseError(f"--base git:REF: {exc}") from None


@contextmanager
def _at_git_ref(spec: Path, ref: str) -> Iterator[tuple[Path, str, str]]:
    """The spec's folder as it was at ``ref``, in a temporary folder: (the spec file there,
    the temporary folder, ``REF:folder`` to name it by)."""
    spec = spec.resolve()
    top = Path(_git(spec.parent, "rev-parse", "--show-toplevel").decode().strip())
    folder = spec.parent.relative_to(top)
    prefix = "" if str(folder) == "." else f"{folder.as_posix()}/"
    listing = _git(top, "ls-tree", "-r", "-z", "--name-only", ref, "--", prefix or ".")
    names = [n for n in listing.decode().split("\0") if n.endswith(_SPEC_SUFFIXES)]
    relative = prefix + spec.name
    if relative not in names:
        raise BaseError(f"{relative} does not exist at {ref} (git ls-tree {ref})")
    temp = Path(tempfile.mkdtemp(prefix="entente-diff-"))
    try:
        for name, text in zip(names, _cat_files(top, ref, names), strict=True):
            target = temp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text)
        yield temp / relative, str(temp / folder), f"{ref}:{folder.as_posix()}"
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _cat_files(top: Path, ref: str, names: list[str]) -> list[bytes]:
    """The contents of ``names`` at ``ref``, read by one ``git cat-file --batch``."""
    request = "".join(f"{ref}:{name}\n" for name in names).encode()
    out = _git(top, "cat-file", "--batch", stdin=request)
    contents: list[bytes] = []
    at = 0
    for _ in names:
        header_end = out.index(b"\n", at)
        header = out[at:header_end].split()
        size = int(header[2])
        contents.append(out[header_end + 1 : header_end + 1 + size])
        at = header_end + 1 + size + 1
    return contents


def _registered(service: str | None) -> Spec:
    from entente_daemon.records import open_records

    name = service or _project_service()
    with open_records() as records:
        latest = records.latest_spec(name)
    if latest is None:
        raise BaseError(
            f"no spec version registered for {name!r} (register one with entente upload-spec)"
        )
    return load_spec_text(json.dumps(latest.spec), f"{name}@{latest.version}.json", validate=False)


def _project_service() -> str:
    from entente_daemon.config import load_project_config

    try:
        config = load_project_config()
    except EntenteError as exc:
        raise click.UsageError(
            f"--base registered: give --service, or run in a project ({exc})"
        ) from None
    return config.provided_name or config.service


def _relabel(report: DiffReport, rename: Rename) -> DiffReport:
    """Files named for a reader: a git ref's temporary copy as ``REF:path``, a file under the
    current folder relative to it."""
    cwd = str(Path.cwd()) + "/"

    def shown(file: str) -> str:
        if rename is not None and file.startswith(rename[0]):
            folder, label = rename
            return f"{label.rstrip('/.')}/{file[len(folder) :].lstrip('/')}".replace(":/", ":")
        return file[len(cwd) :] if file.startswith(cwd) else file

    def fix(change: Change) -> Change:
        file = change.location.file
        if file is None:
            return change
        return replace(change, location=replace(change.location, file=shown(file)))

    return DiffReport(tuple(fix(c) for c in report.changes))
