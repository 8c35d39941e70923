"""Errors the records port raises whichever implementation serves it."""

from __future__ import annotations

from entente_daemon.errors import EntenteError


class FixtureIdError(EntenteError):
    """An id (or prefix) names no fixture, or more than one."""


class NoSpecError(EntenteError):
    """No spec to check a provider's fixtures against."""
