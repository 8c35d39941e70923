"""Event kinds the daemon names on its own (alerts), and the names of the newer kinds."""

from __future__ import annotations

from entente_daemon.model import EventKind

PROJECT_ATTACHED = EventKind.PROJECT_ATTACHED
STORE_ERROR = EventKind.STORE_ERROR
PROJECT_ATTACHED_NAME = PROJECT_ATTACHED.value
STORE_ERROR_NAME = STORE_ERROR.value
PROJECT_ERROR_NAME = EventKind.PROJECT_ERROR.value
PROJECT_DETACHED_NAME = EventKind.PROJECT_DETACHED.value

# Kinds that GET /v1/alerts lists: things a person should look at.
ALERT_KINDS = frozenset(
    {
        EventKind.SPEC_ERROR,
        EventKind.MOCK_ERROR,
        EventKind.CONFIG_ERROR,
        EventKind.PROJECT_ERROR,
        EventKind.SYNC_ERROR,
        EventKind.BREAKING_CHANGE,
        STORE_ERROR,
        EventKind.STORE_SAMPLED,
    }
)
