"""Project configuration: ``entente.toml`` at a project's root, or ``[tool.entente]`` in its
``pyproject.toml``.

Paths in the file are relative to the file. Secrets never live in the file: the broker's API
key comes from ``ENTENTE_API_KEY`` only, and ``ENTENTE_SERVICE_URL`` overrides the broker URL.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from entente_daemon.errors import ConfigError
from entente_daemon.model import HANDLER_REFERENCE, Role

CONFIG_FILE = "entente.toml"
PYPROJECT_FILE = "pyproject.toml"
API_KEY_ENV = "ENTENTE_API_KEY"
SERVICE_URL_ENV = "ENTENTE_SERVICE_URL"
FROM_BROKER = "from broker"

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"{value!r} is not a valid service name: use letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProviderDependency(_Section):
    """A provider this service consumes: ``[[providers]]``."""

    name: str
    version: str = "latest"
    spec: str = FROM_BROKER
    port: int | None = Field(default=None, ge=1, le=65535)

    _name = field_validator("name")(_check_name)


OnMissing = Literal["fail", "continue"]


def _check_http_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    return value


class ProvidedSpec(_Section):
    """The spec this service provides, and how ``entente verify`` runs against it:
    ``[provider]`` (``base_url``, ``state_handlers`` and ``on_missing`` are the defaults of
    ``entente verify``'s options)."""

    name: str | None = None
    spec: str
    base_url: str | None = None  # where the provider runs when it is verified
    state_handlers: str | None = None  # "module:attr", importable from the project folder
    on_missing: OnMissing | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str | None) -> str | None:
        return None if value is None else _check_name(value)

    _base_url = field_validator("base_url")(_check_http_url)

    @field_validator("state_handlers")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is not None and not HANDLER_REFERENCE.match(value):
            raise ValueError(
                f'{value!r} is not a module:attribute reference (like "my_service.states:HANDLERS")'
            )
        return value


class BrokerSection(_Section):
    url: str | None = None

    _url = field_validator("url")(_check_http_url)


class RecordingSection(_Section):
    """``[recording]``: whether mocks record, and which further names carry credentials."""

    enabled: bool | None = None
    redact_headers: list[str] = Field(default_factory=list)
    redact_query: list[str] = Field(default_factory=list)


class TestsSection(_Section):
    """``[tests]``: where another runner writes its JUnit XML report (the daemon watches it)."""

    junit: str | None = None


class _RawConfig(_Section):
    service: str
    version: str | None = None
    role: Role | None = None
    environment: str = "local"
    providers: list[ProviderDependency] = Field(default_factory=list)
    provider: ProvidedSpec | None = None
    broker: BrokerSection = Field(default_factory=BrokerSection)
    recording: RecordingSection = Field(default_factory=RecordingSection)
    tests: TestsSection = Field(default_factory=TestsSection)

    _name = field_validator("service")(_check_name)


@dataclass(frozen=True)
class ConsumedProvider:
    name: str
    version: str
    spec_path: Path | None  # None: the spec comes from the local store or the broker
    port: int | None

    @property
    def spec_from_broker(self) -> bool:
        return self.spec_path is None


@dataclass(frozen=True)
class Broker:
    url: str | None
    api_key: str | None = field(repr=False)

    @property
    def configured(self) -> bool:
        return self.url is not None


@dataclass(frozen=True)
class RecordingSettings:
    """``enabled`` None: the default applies (on in CI or when the daemon runs). The names
    are redacted in addition to the built-in ones (lower-case)."""

    enabled: bool | None = None
    redact_headers: tuple[str, ...] = ()
    redact_query: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectConfig:
    """A project's resolved configuration: defaults filled in, paths absolute."""

    file: Path
    root: Path
    service: str
    version: str
    version_source: Literal["config", "pyproject", "git", "default"]
    role: Role
    environment: str
    providers: tuple[ConsumedProvider, ...]
    provided_spec: Path | None
    provided_name: str
    broker: Broker
    recording: RecordingSettings = field(default_factory=RecordingSettings)
    junit_report: Path | None = None  # [tests] junit: absolute; need not exist yet
    # [provider] base_url, state_handlers, on_missing: `entente verify`'s defaults.
    provided_base_url: str | None = None
    provided_state_handlers: str | None = None
    provided_on_missing: OnMissing | None = None

    def provider(self, name: str) -> ConsumedProvider:
        for dependency in self.providers:
            if dependency.name == name:
                return dependency
        known = ", ".join(p.name for p in self.providers) or "none"
        raise ConfigError(
            f"this project does not consume {name!r} (configured providers: {known})",
            file=self.file,
            key="providers",
        )


def find_config(start: Path | None = None) -> Path:
    """The nearest ``entente.toml``, or ``pyproject.toml`` with ``[tool.entente]``, at or above
    ``start``. In one folder, ``entente.toml`` wins."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT_FILE
        if pyproject.is_file() and _pyproject_section(pyproject) is not None:
            return pyproject
    raise ConfigError(
        f"no {CONFIG_FILE} (or [tool.entente] in {PYPROJECT_FILE}) here or in any parent folder; "
        "create one naming this service",
        file=here,
    )


def load_project_config(
    path: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> ProjectConfig:
    """Load and validate a project's configuration.

    ``path`` is a config file or a folder to search from (default: the current folder).
    """
    env = os.environ if environ is None else environ
    file = find_config(path) if path is None or path.is_dir() else path.resolve()
    raw = _read_section(file)
    try:
        parsed = _RawConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(_describe(first), file=file, key=_key_path(first["loc"])) from None
    return _resolve(parsed, file, env)


def _read_section(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=file) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _TOML_POSITION.search(str(exc))
        message = _TOML_POSITION.sub("", str(exc)).strip()
        line = int(where.group(1)) if where else None
        raise ConfigError(f"not valid TOML: {message}", file=file, line=line) from None
    if file.name == PYPROJECT_FILE:
        section = _section_of(data)
        if section is None:
            raise ConfigError("has no [tool.entente] table", file=file, key="tool.entente")
        return section
    return data


def _pyproject_section(file: Path) -> dict[str, Any] | None:
    try:
        return _section_of(tomllib.loads(file.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError):
        return None


def _section_of(pyproject: dict[str, Any]) -> dict[str, Any] | None:
    section = pyproject.get("tool", {}).get("entente")
    return section if isinstance(section, dict) else None


def _key_path(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _describe(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known setting"
    message = str(error.get("msg", "is invalid"))
    message = message.removeprefix("Value error, ")
    return f"{message} (got {error.get('input')!r})" if kind != "value_error" else message


def _resolve(raw: _RawConfig, file: Path, env: Mapping[str, str]) -> ProjectConfig:
    root = file.parent
    providers: list[ConsumedProvider] = []
    seen_names: set[str] = set()
    seen_ports: dict[int, str] = {}
    for index, dependency in enumerate(raw.providers):
        key = f"providers[{index}]"
        if dependency.name in seen_names:
            raise ConfigError(f"provider {dependency.name!r} is listed twice", file=file, key=key)
        seen_names.add(dependency.name)
        if dependency.port is not None:
            if dependency.port in seen_ports:
                raise ConfigError(
                    f"port {dependency.port} is already used by {seen_ports[dependency.port]!r}",
                    file=file,
                    key=f"{key}.port",
                )
            seen_ports[dependency.port] = dependency.name
        spec_path = None
        if dependency.spec.lower() != FROM_BROKER:
            spec_path = _existing_file(root, dependency.spec, file, f"{key}.spec")
        providers.append(
            ConsumedProvider(dependency.name, dependency.version, spec_path, dependency.port)
        )

    provided_spec = None
    if raw.provider is not None:
        provided_spec = _existing_file(root, raw.provider.spec, file, "provider.spec")

    role = raw.role or _infer_role(raw)
    if role in (Role.PROVIDER, Role.BOTH) and raw.provider is None:
        raise ConfigError(
            f"role is {role.value!r} but there is no [provider] table naming the spec",
            file=file,
            key="provider",
        )
    if role == Role.BOTH and not raw.providers:
        raise ConfigError(
            "role is 'both' but no [[providers]] are listed", file=file, key="providers"
        )

    version, version_source = _resolve_version(raw.version, root)
    broker_url = env.get(SERVICE_URL_ENV) or raw.broker.url
    return ProjectConfig(
        file=file,
        root=root,
        service=raw.service,
        version=version,
        version_source=version_source,
        role=role,
        environment=raw.environment,
        providers=tuple(providers),
        provided_spec=provided_spec,
        provided_name=(raw.provider.name if raw.provider and raw.provider.name else raw.service),
        broker=Broker(url=broker_url, api_key=env.get(API_KEY_ENV) or None),
        recording=RecordingSettings(
            enabled=raw.recording.enabled,
            redact_headers=tuple(n.lower() for n in raw.recording.redact_headers if n),
            redact_query=tuple(n.lower() for n in raw.recording.redact_query if n),
        ),
        junit_report=(root / raw.tests.junit).resolve() if raw.tests.junit else None,
        provided_base_url=raw.provider.base_url if raw.provider else None,
        provided_state_handlers=raw.provider.state_handlers if raw.provider else None,
        provided_on_missing=raw.provider.on_missing if raw.provider else None,
    )


def _infer_role(raw: _RawConfig) -> Role:
    if raw.provider is not None and raw.providers:
        return Role.BOTH
    return Role.PROVIDER if raw.provider is not None else Role.CONSUMER


def _existing_file(root: Path, relative: str, file: Path, key: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_file():
        raise ConfigError(f"spec file not found: {relative} (looked at {path})", file=file, key=key)
    return path


def _resolve_version(
    explicit: str | None, root: Path
) -> tuple[str, Literal["config", "pyproject", "git", "default"]]:
    if explicit:
        return explicit, "config"
    pyproject = root / PYPROJECT_FILE
    if pyproject.is_file():
        try:
            version = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
            if isinstance(version.get("version"), str):
                return version["version"], "pyproject"
        except (OSError, tomllib.TOMLDecodeError):
            pass
    sha = _git_short_sha(root)
    if sha:
        return sha, "git"
    return "0.0.0", "default"


def _git_short_sha(root: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and sha else None
