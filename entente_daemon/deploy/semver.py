"""Which provider versions count as compatible, as the original tool's
``--semver-compatibility`` has it: ``none`` (only the exact version), ``patch`` (the same
major and minor), ``minor`` (the same major). A version that is not semantic is
compatible only with itself."""

from __future__ import annotations

import re
from enum import StrEnum

_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$")


class Compatibility(StrEnum):
    NONE = "none"
    PATCH = "patch"
    MINOR = "minor"


def parse(version: str) -> tuple[int, int, int] | None:
    """(major, minor, patch), or None for a version that is not semantic."""
    found = _SEMVER.match(version.strip())
    if found is None:
        return None
    return int(found[1]), int(found[2]), int(found[3])


def compatible(version: str, other: str, level: Compatibility) -> bool:
    """Whether a verification of ``other`` may stand for ``version`` at ``level``."""
    if version == other:
        return True
    if level is Compatibility.NONE:
        return False
    mine, theirs = parse(version), parse(other)
    if mine is None or theirs is None:
        return False
    if level is Compatibility.PATCH:
        return mine[:2] == theirs[:2]
    return mine[0] == theirs[0]
