"""Projects attach themselves: a command run inside a project tells the running daemon about
it, so the daemon hosts its mocks and watches its files without an explicit attach.

Cheap (a file lookup when no daemon runs) and silent: it never fails the command.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("entente.cli")

ATTACH_TIMEOUT = 3.0  # seconds; a daemon slower than that is left alone


def auto_attach(start: Path | None = None) -> bool:
    """Attach the project at or above ``start`` (default: here) to the running daemon;
    whether it was attached."""
    try:
        from entente_daemon.client.runtime import RunPaths

        if not RunPaths.for_home(None).info.exists():
            return False
        from entente_daemon.config import find_config

        config = find_config(start)
        import httpx

        from entente_daemon.client.endpoint import find_endpoint
        from entente_daemon.client.sync import DaemonClient

        endpoint = find_endpoint(None)
        if endpoint is None:
            return False
        with DaemonClient(endpoint, timeout=httpx.Timeout(ATTACH_TIMEOUT)) as client:
            client.attach_project(config, auto=True)  # not one the user detached
        return True
    except Exception as exc:  # no project, another version, a daemon error: not our business
        log.debug("not attached: %s", exc)
        return False
