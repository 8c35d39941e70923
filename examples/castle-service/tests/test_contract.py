"""castle-service keeps its consumers' contracts: every interaction they recorded (what
``entente verify`` replays) is replayed against the real service, each with the state its
handlers prepare (``[provider] state_handlers`` in ../entente.toml). A broken contract fails
the test with each mismatch: what, and where in the body (``$.yearBuilt``).

Run from examples/castle-service: ``python -m pytest tests``. With nothing recorded yet (no
consumer has run its tests against an Entente mock), the test is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_castle_service_honours_its_consumers(
    castle_service_url: str, entente_verify: Callable[..., Any]
) -> None:
    report = entente_verify(castle_service_url)
    assert report.total > 0
    assert report.passed == report.total
