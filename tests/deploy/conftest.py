"""The daemon fixtures of the daemon's tests, for the deployment tests."""

from __future__ import annotations

from tests.daemon.conftest import daemon

__all__ = ["daemon"]
