"""The TUI's link to the daemon: find it (or start it), attach the project, and hand out the
async client. No store access here: everything goes through the daemon's control API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from entente_daemon.client import AsyncDaemonClient, ProjectInfo
from entente_daemon.client.lifecycle import start_daemon
from entente_daemon.errors import EntenteError


class LinkError(EntenteError):
    """The daemon could not be reached or started, or the project could not be attached."""


@dataclass
class Link:
    client: AsyncDaemonClient
    project: ProjectInfo | None
    started_daemon: bool
    problem: str | None = None  # attaching failed: the TUI still runs, and says why
    owns_client: bool = True  # False: the caller handed the client in, and closes it


async def open_link(
    project_dir: Path | None,
    *,
    home: Path | None = None,
    start: bool = True,
    client: AsyncDaemonClient | None = None,
) -> Link:
    """Connect to the running daemon, starting one when ``start`` and none runs (or use
    ``client``, when given), then attach ``project_dir`` (when it has an Entente config)."""
    started = False
    owned = client is None
    if client is None:
        client = AsyncDaemonClient.discover(home)
    if client is None:
        if not start:
            raise LinkError("no Entente daemon is running (start one: `entente-daemon start`)")
        try:
            result = await asyncio.to_thread(start_daemon, home)
        except EntenteError as exc:
            raise LinkError(f"could not start the Entente daemon: {exc}") from None
        started = result.started
        client = AsyncDaemonClient.connect(home)
    project: ProjectInfo | None = None
    problem: str | None = None
    if project_dir is not None:
        try:
            project = await client.attach_project(project_dir)
        except EntenteError as exc:
            problem = f"{project_dir}: {exc}"
    return Link(client, project, started, problem, owns_client=owned)
