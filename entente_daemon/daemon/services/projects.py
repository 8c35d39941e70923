"""The projects attached to the daemon, remembered across restarts, and their config files
watched.

Attaching a project (by its ``entente.toml`` or ``pyproject.toml``) loads its configuration
and calls the ``on_project_changed`` hooks: the services that act on projects (the mock
servers, the test-run service) are registered there by `process.main`. A config file that
changes re-attaches its project, so the hooks see the new configuration; one that became
invalid keeps the old configuration and raises an alert naming file and key. The list is
kept in ``projects.json`` in the Entente home, and re-attached when the daemon starts.

A project the user detached stays detached: commands and test runs in its folder, which
attach their project on their own (``auto``), leave it alone until the user attaches it
again (`entente attach`, `entente-tui`, `entente-daemon start` in its folder).
"""

from __future__ import annotations

import asyncio
import dataclasses
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
from entente_daemon.daemon.services.errors import Conflict, NotFound
from entente_daemon.daemon.services.kinds import (
    PROJECT_ATTACHED_NAME,
    PROJECT_DETACHED_NAME,
    PROJECT_ERROR_NAME,
)
from entente_daemon.daemon.services.watcher import FileWatcher, Signature, signature
from entente_daemon.errors import ConfigError, EntenteError
from entente_daemon.model import EventKind, utc_now

log = logging.getLogger("entente.daemon.projects")

CONFIG_ERROR_NAME = EventKind.CONFIG_ERROR.value

ProjectHook = Callable[[ProjectConfig], Awaitable[None]]
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

    def __init__(self, file: Path, publish: Publish, watcher: FileWatcher) -> None:
        self._file = file
        self._publish = publish
        self._projects: dict[Path, AttachedProject] = {}
        self._detached: set[Path] = set()  # config files the user detached
        self._signatures: dict[Path, Signature] = {}  # each config file as last read
        self._hooks: list[ProjectHook] = []
        self._watcher = watcher
        self._watch = watcher.subscribe(self._files_changed)

    def on_project_changed(self, hook: ProjectHook) -> None:
        """Call ``hook(config)`` for each project attached, re-attached at start-up (register
        before the registry starts to see those) or whose config file changed."""
        self._hooks.append(hook)

    async def start(self) -> None:
        self._detached = set(self._read_detached())
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
        self._signatures.clear()
        self._watch.watch({})

    def infos(self) -> list[ProjectInfo]:
        return [project.info() for project in self._projects.values()]

    def configs(self) -> list[ProjectConfig]:
        return [project.config for project in self._projects.values()]

    async def attach(self, path: Path, *, auto: bool = False) -> ProjectInfo:
        """Attach (or re-read) the project configured at ``path``; `ConfigError` when its
        configuration is invalid. Attaching again also resets the file watch (links
        re-resolved, listening anew, files changed unseen reported): whatever made it stale,
        re-attaching mends it without a restart (not ``auto``). ``auto``: a command or test
        run attaching its own project; `Conflict` when the user detached it."""
        if auto and self._was_detached(path):
            raise Conflict(
                f"the project at {path} was detached; `entente attach` attaches it again"
            )
        if not auto and self._detached:
            self._detached = {d for d in self._detached if d not in (path, path / d.name)}
        info = await self._attach_and_save(path)
        if not auto:  # a command's own attach (each `entente` run in the folder) leaves it be
            self._watcher.reset()
        return info

    async def _attach_and_save(self, path: Path) -> ProjectInfo:
        existing = self._projects.get(path)
        attached = await self._attach(path, existing.attached_at if existing else utc_now())
        await asyncio.to_thread(self._save)
        return attached.info()

    async def detach(self, path: Path) -> ProjectInfo:
        """Detach the project configured at ``path`` (its config file, or the folder
        holding it): its mocks stop, its files are no longer watched, and it is not
        re-attached at start-up. `NotFound` when no attached project is there.

        The hooks see the project as configured without providers or JUnit report, so
        the services acting on projects let go of it as they would of a removed entry."""
        attached = self._find(path)
        if attached is None:
            known = ", ".join(str(p) for p in self._projects) or "none"
            raise NotFound(f"no project attached at {path} (attached: {known})")
        config = attached.config
        self._detached.add(config.file)
        del self._projects[config.file]
        self._signatures.pop(config.file, None)
        self._watch.watch(self._signatures)
        await asyncio.to_thread(self._save)
        released = dataclasses.replace(config, providers=(), junit_report=None)
        await self._call_hooks(released)
        log.info("project %s detached (%s)", config.service, config.file)
        detached = payloads.ProjectDetached(
            event=PROJECT_DETACHED_NAME, config=str(config.file), service=config.service
        )
        await self._publish(detached.KIND, detached.to_payload())
        return attached.info()

    def _was_detached(self, path: Path) -> bool:
        return path in self._detached or any(d.parent == path for d in self._detached)

    def _find(self, path: Path) -> AttachedProject | None:
        """The project whose config file is ``path``, or is in the folder ``path``."""
        resolved = path.resolve()
        for file, attached in self._projects.items():
            if resolved in (file, file.parent):
                return attached
        return None

    async def _call_hooks(self, config: ProjectConfig) -> None:
        for hook in self._hooks:
            try:
                await hook(config)
            except Exception as exc:
                log.exception("a project hook failed for %s", config.file)
                error = payloads.ProjectError(
                    event=PROJECT_ERROR_NAME, config=str(config.file), message=str(exc)
                )
                await self._publish(error.KIND, error.to_payload())

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
        self._signatures[config.file] = await asyncio.to_thread(signature, config.file)
        self._watch.watch(self._signatures)
        await self._call_hooks(config)
        return attached

    async def _files_changed(self, changed: set[Path]) -> None:
        for file in [file for file in self._projects if file in changed]:
            await self._reload_config(file)

    async def _reload_config(self, file: Path) -> None:
        try:
            await self._attach_and_save(file)  # the hooks see the new configuration
        except ConfigError as exc:
            log.error("%s; keeping the configuration loaded before", exc)
            error = payloads.ConfigError(
                event=CONFIG_ERROR_NAME,
                config=str(file),
                file=str(exc.file or file),
                key=exc.key,
                line=exc.line,
                message=exc.detail,
            )
            await self._publish(error.KIND, error.to_payload())
        except Exception as exc:
            log.exception("re-reading %s failed", file)
            error = payloads.ConfigError(
                event=CONFIG_ERROR_NAME, config=str(file), message=str(exc)
            )
            await self._publish(error.KIND, error.to_payload())

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

    def _read_detached(self) -> list[Path]:
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
            return [Path(p) for p in data.get("detached", [])]
        except (OSError, ValueError, AttributeError, TypeError):
            return []

    def _save(self) -> None:
        entries = [
            {"config": str(p.config.file), "attached_at": p.attached_at.isoformat()}
            for p in self._projects.values()
        ]
        detached = sorted(str(p) for p in self._detached)
        document = {"projects": entries, "detached": detached}
        write_private(self._file, json.dumps(document, indent=2) + "\n")
