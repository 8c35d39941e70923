"""What git says about a folder (its commit, branch), when it is a git work tree (else None).

One place for it: the CLI records commits and branches with deployments, the config falls
back on the short commit for a version."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(folder: Path, *args: str) -> str | None:
    """``git ARGS`` run in ``folder``: its output, stripped; None when git fails or is missing."""
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
    return git(folder, "rev-parse", "HEAD")


def git_branch(folder: Path) -> str | None:
    branch = git(folder, "rev-parse", "--abbrev-ref", "HEAD")
    return None if branch == "HEAD" else branch  # a detached HEAD has no branch


def git_short_sha(folder: Path) -> str | None:
    return git(folder, "rev-parse", "--short", "HEAD")
