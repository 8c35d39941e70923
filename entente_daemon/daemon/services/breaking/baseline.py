"""A provider spec's baseline, what a save is compared with, in order of preference:

1. ``registered``: the service's last uploaded or registered spec version in the store;
2. ``git``: the spec's files as they are at the git HEAD of the repository holding them
   (every ``$ref``'d file too, copied to a temporary folder and loaded from there);
3. ``first-load``: the spec as the daemon first loaded it.

Each finder returns None when it has nothing; loading errors there are not the user's
problem of the moment (the working file is), so they are logged and the next one is tried.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from entente_daemon.client.events import BreakingBaseline
from entente_daemon.git import git_text
from entente_daemon.model import SpecVersion
from entente_daemon.openapi import Spec, SpecError, load_spec, load_spec_text

log = logging.getLogger("entente.daemon.breaking")


@dataclass(frozen=True)
class Baseline:
    spec: Spec
    info: BreakingBaseline
    key: str  # what tells that the registered version changed: "id:content hash"
    #: Files read from a scratch copy (git HEAD) are shown as ``HEAD:<path in the repo>``:
    #: (the scratch folder, that label's prefix). The copy is gone once loaded.
    shown_as: tuple[str, str] | None = None

    def file_label(self, file: str | None) -> str | None:
        """How a file of this baseline is named to people."""
        if file is None or self.shown_as is None:
            return file
        scratch, label = self.shown_as
        if file.startswith(scratch + "/"):
            return label + file[len(scratch) + 1 :]
        return file


def registered(found: SpecVersion) -> Baseline | None:
    """The stored spec version, loaded (its document is self-contained)."""
    try:
        spec = load_spec_text(json.dumps(found.spec), f"{found.id}.json", validate=False)
    except SpecError as exc:
        log.warning("the registered spec %s does not load: %s", found.id, exc)
        return None
    info = BreakingBaseline(source="registered", version=found.version)
    return Baseline(spec, info, key=f"{found.id}:{found.content_hash}")


def at_git_head(spec: Spec, ref_roots: tuple[Path, ...] = ()) -> Baseline | None:
    """``spec``'s files as committed at HEAD, loaded; None outside a repository, when a
    file is not committed, or when git is missing."""
    folder = spec.root.parent
    top = git_text(folder, "rev-parse", "--show-toplevel")
    commit = git_text(folder, "rev-parse", "--short", "HEAD")
    if top is None or commit is None:
        return None
    top_path = Path(top.strip()).resolve()
    with tempfile.TemporaryDirectory(prefix="entente-baseline-") as scratch:
        copy = Path(scratch)
        for file in spec.files:
            try:
                relative = file.resolve().relative_to(top_path)
            except ValueError:
                return None  # a $ref'd file outside the repository: no committed version
            text = git_text(top_path, "show", f"HEAD:{relative.as_posix()}")
            if text is None:
                return None
            target = copy / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        root = copy / spec.root.resolve().relative_to(top_path)
        try:
            head = load_spec(root, validate=False, ref_roots=[copy])
        except SpecError as exc:
            log.info("%s at HEAD does not load (%s): not a baseline", spec.root, exc)
            return None
    info = BreakingBaseline(source="git", version=head.version, ref=commit.strip())
    return Baseline(head, info, key=f"git:{commit.strip()}", shown_as=(str(copy), "HEAD:"))


def first_load(spec: Spec) -> Baseline:
    info = BreakingBaseline(source="first-load", version=spec.version)
    return Baseline(spec, info, key="first-load")
