"""The provider projects a verification could be started for (``GET /v1/verify/providers``),
best first, each with its ``[provider]`` base URL and state handlers: what the TUI's
Start-verification modal offers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from entente_daemon.client.wire import ProjectInfo, ProviderChoice
from entente_daemon.config import ProjectConfig, load_project_config
from entente_daemon.daemon.services.errors import Invalid
from entente_daemon.errors import EntenteError

PROVIDING_ROLES = ("provider", "both")


def _load(config_file: Path) -> ProjectConfig | None:
    try:
        return load_project_config(config_file)
    except (EntenteError, OSError):
        return None


def _choice(config_file: Path) -> ProviderChoice | None:
    config = _load(config_file)
    if config is None or config.provided_spec is None:
        return None
    return ProviderChoice(
        folder=str(config.root),
        service=config.provided_name,
        base_url=config.provided_base_url,
        state_handlers=config.provided_state_handlers,
    )


def _siblings(config_file: Path) -> list[Path]:
    """The ``entente.toml`` next to each spec a project consumes."""
    config = _load(config_file)
    if config is None:
        return []
    return [p.spec_path.parent / "entente.toml" for p in config.providers if p.spec_path]


def _consumed(attached: Path, projects: Sequence[ProjectInfo]) -> set[str]:
    """The services the attached project consumes: as the daemon attached it, else as its
    configuration says (nothing when it cannot be read)."""
    key = str(attached.resolve())
    for project in projects:
        if str(Path(project.config).resolve()) == key:
            return set(project.providers)
    config = _load(attached)
    return {p.name for p in config.providers} if config is not None else set()


def provider_choices(
    attached: Path | None, projects: Sequence[ProjectInfo]
) -> list[ProviderChoice]:
    """The provider projects to offer, best first (blocking: reads their configurations).

    ``attached``: the configuration file of the project the asker works in (absolute, else
    `Invalid`); ``projects``: the daemon's. The attached project when it provides a spec;
    the daemon's projects providing what the attached one consumes; a provider project next
    to a consumed spec (the castle client's ``../castle-service/entente.toml``); then the
    daemon's other provider projects. Each project once."""
    if attached is not None and (not attached.is_absolute() or "\x00" in str(attached)):
        raise Invalid(f"project {str(attached)!r}: the path must be absolute")
    consumed = _consumed(attached, projects) if attached is not None else set()
    providing = [p for p in projects if p.role in PROVIDING_ROLES]
    candidates: list[Path] = []
    if attached is not None:
        candidates.append(attached)
    candidates.extend(Path(p.config) for p in providing if p.service in consumed)
    if attached is not None:
        candidates.extend(_siblings(attached))
    candidates.extend(Path(p.config) for p in providing)
    choices: list[ProviderChoice] = []
    seen: set[str] = set()
    for file in candidates:
        key = str(file.resolve())
        if key in seen or not file.is_file():
            continue
        seen.add(key)
        found = _choice(file)
        if found is not None:
            choices.append(found)
    return choices
