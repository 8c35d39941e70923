"""Shared paths and helpers of the spec tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "tests" / "specs"
CASTLE = ROOT / "examples" / "castle-service" / "openapi.yaml"


def all_refs(value: Any) -> Iterator[str]:
    """Every ``$ref`` string in a document."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str):
            yield ref
        for child in value.values():
            yield from all_refs(child)
    elif isinstance(value, list):
        for child in value:
            yield from all_refs(child)


@pytest.fixture
def specs() -> Path:
    return SPECS
