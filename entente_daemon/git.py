"""What git says about a folder (its commit, branch, a file at a ref), when it is a git work
tree.

One place for running git: the CLI records commits and branches with deployments, the config
falls back on the short commit for a version, `entente diff --base git:REF` and the daemon's
breaking-change baseline read files as committed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_TIMEOUT = 10.0  # seconds for one git command


class GitError(Exception):
    """git is missing, timed out, or said no (the message is its last line of stderr)."""


def run_git(
    folder: Path, *args: str, stdin: bytes | None = None, timeout: float = GIT_TIMEOUT
) -> bytes:
    """``git -C FOLDER ARGS``: its standard output, as bytes; `GitError` when it fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            input=stdin,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {' '.join(args)}: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {' '.join(args)}: {said[-1] if said else 'failed'}")
    return done.stdout


def git_text(folder: Path, *args: str) -> str | None:
    """git's output as text, as it printed it; None when git fails or is missing."""
    try:
        return run_git(folder, *args).decode(errors="replace")
    except GitError:
        return None


def git(folder: Path, *args: str) -> str | None:
    """git's output, stripped; None when git fails, is missing, or prints nothing."""
    out = git_text(folder, *args)
    return out.strip() or None if out is not None else None


def git_sha(folder: Path) -> str | None:
    return git(folder, "rev-parse", "HEAD")


def git_branch(folder: Path) -> str | None:
    branch = git(folder, "rev-parse", "--abbrev-ref", "HEAD")
    return None if branch == "HEAD" else branch  # a detached HEAD has no branch


def git_short_sha(folder: Path) -> str | None:
    return git(folder, "rev-parse", "--short", "HEAD")
