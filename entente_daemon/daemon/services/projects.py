"""The projects attached to the daemon, remembered across restarts.

Attaching a project (by its ``entente.toml`` or ``pyproject.toml``) loads its configuration
and calls the ``on_project_attached`` hooks: the services that act on projects (mock
servers, spec and test-run watchers) register there. The list is kept in
``projects.json`` in the Entente home, and re-attached when the daemon starts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from entente_daemon.client import events as payloads
from entente_daemon.client.wire import ProjectInfo
from entente_daemon.config import ProjectConfig, load_project_config
from entente_daemon.daemon.process.files import write_private
from entente_daemon.daemon.services.kinds import PROJECT_ATTACHED_NAME, PROJECT_ERROR_NAME
from entente_daemon.errors import ConfigError, EntenteError
from entente_daemon.model import EventKind, utc_now

log = logging.getLogger("entente.daemon.projects")

AttachHook = Callable[[ProjectConfig], Awaitable[None]]
Publish = Callable[[EventKind, dict[str, Any]], Awaitable[object]]


@dataclass(frozen=True)
class AttachedProject:
    config: ProjectConfig
    attached_at: datetime

    def info(self) -> ProjectInfo:
        config = self.config
        return ProjectInfo(
            config=str(config.file),
            service=config.service,
            version=config.version,
            role=str(config.role),
            environment=config.environment,
            providers=[p.name for p in config.providers],
            attached_at=self.attached_at,
        )


class ProjectRegistry:
    name = "projects"

    def __init__(self, file: Path, publish: Publish) -> None:
        self._file = file
        self._publish = publish
        self._projects: dict[Path, AttachedProject] = {}
        self._hooks: list[AttachHook] = []

    def on_project_attached(self, hook: AttachHook) -> None:
        """Call ``hook(config)`` for each project attached, including those re-attached
        at start-up (register before the registry starts to see those)."""
        self._hooks.append(hook)

    async def start(self) -> None:
        for path, attached_at in self._read():
            try:
                await self._attach(path, attached_at, reattached=True)
            except EntenteError as exc:
                log.warning("could not re-attach the project %s: %s", path, exc)
                error = payloads.ProjectError(
                    event=PROJECT_ERROR_NAME, config=str(path), message=str(exc)
                )
                await self._publish(error.KIND, error.to_payload())

    async def stop(self) -> None:
        self._projects.clear()

    def infos(self) -> list[ProjectInfo]:
        return [project.info() for project in self._projects.values()]

    def configs(self) -> list[ProjectConfig]:
        return [project.config for project in self._projects.values()]

    async def attach(self, path: Path) -> ProjectInfo:
        """Attach (or re-read) the project configured at ``path``; `ConfigError` when its
        configuration is invalid."""
        existing = self._projects.get(path)
        attached = await self._attach(path, existing.attached_at if existing else utc_now())
        await asyncio.to_thread(self._save)
        return attached.info()

    async def _attach(
        self, path: Path, attached_at: datetime, *, reattached: bool = False
    ) -> AttachedProject:
        if not path.is_absolute():
            raise ConfigError("the project's path must be absolute", file=path)
        config = await asyncio.to_thread(load_project_config, path)
        attached = AttachedProject(config, attached_at)
        self._projects[config.file] = attached
        log.info("project %s attached (%s)", config.service, config.file)
        attached_event = payloads.ProjectAttached(
            event=PROJECT_ATTACHED_NAME,
            config=str(config.file),
            service=config.service,
            reattached=reattached,
        )
        await self._publish(attached_event.KIND, attached_event.to_payload())
        for hook in self._hooks:
            try:
                await hook(config)
            except Exception as exc:
                log.exception("a project hook failed for %s", config.file)
                error = payloads.ProjectError(
                    event=PROJECT_ERROR_NAME, config=str(config.file), message=str(exc)
                )
                await self._publish(error.KIND, error.to_payload())
        return attached

    def _read(self) -> list[tuple[Path, datetime]]:
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
            entries = data["projects"]
            return [(Path(e["config"]), datetime.fromisoformat(e["attached_at"])) for e in entries]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning(
                "%s: cannot read the attached projects (%s); starting with none", self._file, exc
            )
            return []

    def _save(self) -> None:
        entries = [
            {"config": str(p.config.file), "attached_at": p.attached_at.isoformat()}
            for p in self._projects.values()
        ]
        write_private(self._file, json.dumps({"projects": entries}, indent=2) + "\n")
