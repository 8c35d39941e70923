"""The git commit and branch of a folder, when it is a git work tree (else None)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def git_sha(folder: Path) -> str | None:
    return _git(folder, "rev-parse", "HEAD")


def git_branch(folder: Path) -> str | None:
    branch = _git(folder, "rev-parse", "--abbrev-ref", "HEAD")
    return None if branch == "HEAD" else branch  # a detached HEAD has no branch
