"""Project configuration: ``entente.toml`` at a project's root, or ``[tool.entente]`` in its
``pyproject.toml``.

Paths in the file are relative to the file. Secrets never live in the file: the broker's API
key comes from ``ENTENTE_API_KEY`` only, and ``ENTENTE_SERVICE_URL`` overrides the broker URL.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from entente_daemon.errors import ConfigError, ConfigProblem
from entente_daemon.git import git_short_sha
from entente_daemon.model import HANDLER_REFERENCE, Role

CONFIG_FILE = "entente.toml"
PYPROJECT_FILE = "pyproject.toml"
API_KEY_ENV = "ENTENTE_API_KEY"
SERVICE_URL_ENV = "ENTENTE_SERVICE_URL"
FROM_BROKER = "from broker"

# ``[recording]``: how much of a body, and of one header's value, an interaction stores.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_HEADER_BYTES = 8 * 1024

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
    # What a recording keeps (issue 13): body fields redacted, and how much of a body or
    # a header value is stored (the rest is cut off and the interaction says so).
    redact_fields: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, gt=0)
    max_header_bytes: int = Field(default=DEFAULT_MAX_HEADER_BYTES, gt=0)


class TestsSection(_Section):
    """``[tests]``: where another runner writes its JUnit XML report (the daemon watches it)."""

    junit: str | None = None


# -- [spec]: which folders a spec's $refs may read (issue 13) --------------------------------


class SpecSection(_Section):
    """``[spec]``: ``allow_refs_outside`` lists folders (relative to the file) that a spec's
    ``$ref`` may read besides the spec's own folder tree and the project's root."""

    allow_refs_outside: list[str] = Field(default_factory=list)


def _spec_ref_roots(section: SpecSection, root: Path) -> tuple[Path, ...]:
    """The project's root, then each allowed folder, absolute."""
    allowed = ((root / folder).resolve() for folder in section.allow_refs_outside if folder)
    return (root.resolve(), *allowed)


def spec_ref_roots_near(spec: Path) -> tuple[Path, ...]:
    """The folders the project around a spec file lets its ``$ref``s read (the project's
    root, ``[spec] allow_refs_outside``), for a spec loaded outside any attached project
    (``entente fixtures check --spec``, ``POST /v1/fixtures/check``). None outside a
    project, or when its configuration does not load: then the spec's own folder tree only."""
    try:
        return load_project_config(find_config(spec.resolve().parent)).spec_ref_roots
    except ConfigError:
        return ()


# -- end of [spec] --------------------------------------------------------------------------
# -- [store]: how many recorded interactions the home's store keeps (issue 13, item 11) --


class StoreSection(_Section):
    """``[store]``: the bound per bucket for this project's recordings (as the consumer),
    and how long exploratory traffic is kept before `entente store prune` removes it."""

    max_interactions_per_key: int | None = Field(default=None, ge=0)
    exploratory_retention_days: float | None = Field(default=None, gt=0)


@dataclass(frozen=True)
class StoreSettings:
    """``None``: the store's default (20 per bucket; 14 days)."""

    max_interactions_per_key: int | None = None
    exploratory_retention_days: float | None = None


# -- end of [store] ------------------------------------------------------------------------
# -- [limits] -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerLimits:
    """``[limits]``: what one request and the clients of a server may take, so that one bad
    client never stops the others being answered. Applies to every mock (``entente mock``,
    the daemon's) and, for header bytes, to the daemon's control API. Beyond a limit the
    request is refused: 431 (headers), 413 (body), 408 (not sent in time); past
    ``max_connections`` the oldest idle connection is closed to make room."""

    max_header_bytes: int = 64 * 1024  # the request line and all headers, together
    max_headers: int = 100  # header lines in one request
    max_body_bytes: int = 10 * 1024 * 1024  # one request body (after chunked decoding)
    request_timeout: float = 30.0  # seconds from a request's first byte to its last
    max_connections: int = 500  # open connections per server


class LimitsSection(_Section):
    """``[limits]`` as written: any of `ServerLimits`' fields."""

    max_header_bytes: int | None = Field(default=None, ge=1024)
    max_headers: int | None = Field(default=None, ge=1)
    max_body_bytes: int | None = Field(default=None, ge=0)
    request_timeout: float | None = Field(default=None, gt=0)
    max_connections: int | None = Field(default=None, ge=1)

    def resolve(self) -> ServerLimits:
        return replace(ServerLimits(), **self.model_dump(exclude_none=True))


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
    spec: SpecSection = Field(default_factory=SpecSection)  # [spec] (issue 13)
    store: StoreSection = Field(default_factory=StoreSection)
    limits: LimitsSection = Field(default_factory=LimitsSection)

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
    redact_fields: tuple[str, ...] = ()  # JSON and form body fields, at any depth
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES


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
    # [spec] (issue 13): the folders besides a spec's own that its $refs may read (the
    # project's root, then allow_refs_outside); pass to `load_spec(ref_roots=...)`.
    spec_ref_roots: tuple[Path, ...] = ()
    store: StoreSettings = field(default_factory=StoreSettings)  # [store]
    limits: ServerLimits = field(default_factory=ServerLimits)  # [limits]

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
    raw, text = _read_section(file)
    problems = _problems(raw, file.parent)
    if problems:
        lines = _KeyLines(text, "tool.entente" if file.name == PYPROJECT_FILE else None)
        located = [ConfigProblem(m, key, lines.find(key)) for m, key in problems]
        located.sort(key=lambda p: p.line or 0)  # in the file's order
        raise ConfigError.of(file, located)
    return _resolve(_RawConfig.model_validate(raw), file, env)


def _read_section(file: Path) -> tuple[dict[str, Any], str]:
    """The configuration's table, and the text of its file."""
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
        return section, text
    return data, text


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
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a table, not {_toml_type(error.get('input'))}"
    if kind == "list_type":
        return f"must be a list, not {_toml_type(error.get('input'))}"
    message = str(error.get("msg", "is invalid"))
    message = message.removeprefix("Value error, ")
    return f"{message} (got {error.get('input')!r})" if kind != "value_error" else message


def _toml_type(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    return f"a {'string' if isinstance(value, str) else 'number'} ({value!r})"


Problem = tuple[str, str | None]  # a message and the key it is about

#: A table written with the wrong brackets or number: what was meant.
_PROVIDER_ARRAY = (
    "[[provider]] is not a table Entente knows: write [[providers]] (plural) for each provider "
    "this service consumes, or [provider] (single brackets, once) for the spec it provides"
)
_PROVIDERS_TABLE = (
    "[providers] must be written [[providers]] (double brackets), one table per provider this "
    "service consumes; [provider] (singular) is for the spec it provides"
)


#: Names under [broker] that would hold a credential: refused, whatever their value.
_SECRET_NAMES = frozenset({"key", "api_key", "apikey", "token", "api_token", "secret", "password"})
_BROKER_SECRET = (
    f"the broker's API key never goes in the project file (it would be committed with it): "
    f"remove this line and set {API_KEY_ENV}, or run `entente sync login --url URL`"
)


def _broker_secrets(raw: dict[str, Any]) -> list[str]:
    section = raw.get("broker")
    if not isinstance(section, dict):
        return []
    return sorted(name for name in section if name.lower().replace("-", "_") in _SECRET_NAMES)


def _problems(raw: dict[str, Any], root: Path) -> list[Problem]:
    """Everything wrong in the configuration's table: its shape (unknown keys, with the
    known one meant; wrong types; tables with the wrong brackets), then what its values
    refer to (spec files, duplicates, the role)."""
    problems: list[Problem] = []
    misshapen: set[str] = set()
    if isinstance(raw.get("provider"), list):
        problems.append((_PROVIDER_ARRAY, "provider"))
        misshapen.add("provider")
    if isinstance(raw.get("providers"), dict):
        problems.append((_PROVIDERS_TABLE, "providers"))
        misshapen.add("providers")
    secrets = _broker_secrets(raw)
    problems.extend((_BROKER_SECRET, f"broker.{name}") for name in secrets)
    try:
        _RawConfig.model_validate(raw)
    except ValidationError as exc:
        errors = [
            e
            for e in exc.errors()
            if not (e["loc"] and e["loc"][0] in misshapen)
            and tuple(e["loc"][:2]) not in {("broker", name) for name in secrets}
        ]
        problems.extend(_shape_problems(errors))
    problems.extend(_reference_problems(raw, root))
    return problems


def _shape_problems(errors: list[Any]) -> list[Problem]:
    """Pydantic's errors in our words. An unknown key close to a known one names it; when
    that one is a required key that is missing, the two are one problem."""
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing"}
    explained: set[tuple[Any, ...]] = set()
    problems: list[Problem] = []
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] != "extra_forbidden":
            continue
        known = _known_keys(loc[:-1])
        what = "table" if isinstance(error.get("input"), dict | list) else "setting"
        message = f"is not a known {what}"
        close = difflib.get_close_matches(str(loc[-1]).lower(), known, n=1, cutoff=0.6)
        if close:
            meant = (*loc[:-1], close[0])
            message += f"; did you mean {close[0]!r}?"
            if meant in missing:
                explained.add(meant)
                message += f" ({_key_path(meant)} is required)"
        elif known:
            message += f" (known here: {', '.join(known)})"
        problems.append((message, _key_path(loc)))
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] != "extra_forbidden" and loc not in explained:
            problems.append((_describe(error), _key_path(loc)))
    return problems


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the table at ``loc`` may have (none known: an empty list)."""
    model: type[BaseModel] | None = _RawConfig
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        found = model.model_fields.get(str(part))
        model = _model_in(found.annotation) if found is not None else None
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        model = _model_in(argument)
        if model is not None:
            return model
    return None


def _reference_problems(raw: dict[str, Any], root: Path) -> list[Problem]:
    """What the values refer to, checked as far as their shape allows: spec files exist,
    no provider (or port) is listed twice, the role has the tables it needs."""
    problems: list[Problem] = []
    dependencies = raw.get("providers")
    listed = dependencies if isinstance(dependencies, list) else []
    seen_names: set[str] = set()
    seen_ports: dict[int, str] = {}
    for index, dependency in enumerate(listed):
        if not isinstance(dependency, dict):
            continue
        key = f"providers[{index}]"
        name = dependency.get("name")
        if isinstance(name, str):
            if name in seen_names:
                problems.append((f"provider {name!r} is listed twice", key))
            seen_names.add(name)
        port = dependency.get("port")
        if isinstance(port, int) and not isinstance(port, bool):
            if port in seen_ports:
                problems.append(
                    (f"port {port} is already used by {seen_ports[port]!r}", key + ".port")
                )
            seen_ports.setdefault(port, str(name))
        spec = dependency.get("spec", FROM_BROKER)
        if isinstance(spec, str) and spec.strip().lower() != FROM_BROKER:
            problems.extend(_missing_file(root, spec.strip(), f"{key}.spec"))
    provided = raw.get("provider")
    if isinstance(provided, dict) and isinstance(provided.get("spec"), str):
        problems.extend(_missing_file(root, provided["spec"].strip(), "provider.spec"))
    role = raw.get("role")
    if role in (Role.PROVIDER.value, Role.BOTH.value) and provided is None:
        problems.append(
            (f"role is {role!r} but there is no [provider] table naming the spec", "provider")
        )
    if role == Role.BOTH.value and not dependencies:
        problems.append(("role is 'both' but no [[providers]] are listed", "providers"))
    return problems


def _missing_file(root: Path, relative: str, key: str) -> list[Problem]:
    path = (root / relative).resolve()
    if path.is_file():
        return []
    return [(f"spec file not found: {relative} (looked at {path})", key)]


_LAST_PART = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


class _KeyLines:
    """Where each key of a TOML text is, by line (1-based), as `_key_path` names them
    (``providers[1].port``). A key that is not written (a missing one) is found at its
    table's line; a key outside any known line, at none. ``prefix``: the table the
    configuration lives in (``tool.entente`` in pyproject.toml)."""

    _ARRAY = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
    _TABLE = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")

    def __init__(self, text: str, prefix: str | None = None) -> None:
        self.lines: dict[str, int] = {}
        counts: dict[str, int] = {}
        table: str | None = None if prefix else ""
        for number, line in enumerate(text.splitlines(), start=1):
            if found := self._ARRAY.match(line):
                name = self._inside(found.group(1), prefix)
                if name is not None:
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    self.lines.setdefault(name, number)
                    table = f"{name}[{index}]"
                    self.lines.setdefault(table, number)
                else:
                    table = None
            elif found := self._TABLE.match(line):
                name = self._inside(found.group(1), prefix)
                table = name
                if name:
                    self.lines.setdefault(name, number)
            elif (found := self._KEY.match(line)) and table is not None:
                key = ".".join(part.strip().strip("\"'") for part in found.group(1).split("."))
                self.lines.setdefault(f"{table}.{key}" if table else key, number)

    @staticmethod
    def _inside(name: str, prefix: str | None) -> str | None:
        """The table's name under ``prefix`` ("" for the prefix itself; None: outside)."""
        name = ".".join(part.strip().strip("\"'") for part in name.split("."))
        if prefix is None:
            return name
        if name == prefix:
            return ""
        return name.removeprefix(prefix + ".") if name.startswith(prefix + ".") else None

    def find(self, key: str | None) -> int | None:
        """The line of ``key``, else of the nearest table holding it."""
        while key:
            if key in self.lines:
                return self.lines[key]
            shorter = _LAST_PART.sub("", key)
            if shorter == key:
                return None
            key = shorter
        return None


def _resolve(raw: _RawConfig, file: Path, env: Mapping[str, str]) -> ProjectConfig:
    """The configuration as used: `_problems` found nothing wrong with it."""
    root = file.parent
    providers: list[ConsumedProvider] = []
    for dependency in raw.providers:
        spec_path = None
        if dependency.spec.lower() != FROM_BROKER:
            # As configured (not a symlink's target): the daemon watches this path.
            spec_path = Path(os.path.normpath(root / dependency.spec))
        providers.append(
            ConsumedProvider(dependency.name, dependency.version, spec_path, dependency.port)
        )
    provided_spec = None
    if raw.provider is not None:
        provided_spec = (root / raw.provider.spec).resolve()
    role = raw.role or _infer_role(raw)
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
            redact_fields=tuple(n.lower() for n in raw.recording.redact_fields if n),
            max_body_bytes=raw.recording.max_body_bytes,
            max_header_bytes=raw.recording.max_header_bytes,
        ),
        junit_report=(root / raw.tests.junit).resolve() if raw.tests.junit else None,
        provided_base_url=raw.provider.base_url if raw.provider else None,
        provided_state_handlers=raw.provider.state_handlers if raw.provider else None,
        provided_on_missing=raw.provider.on_missing if raw.provider else None,
        spec_ref_roots=_spec_ref_roots(raw.spec, root),  # [spec] (issue 13)
        store=StoreSettings(
            raw.store.max_interactions_per_key, raw.store.exploratory_retention_days
        ),
        limits=raw.limits.resolve(),
    )


def _infer_role(raw: _RawConfig) -> Role:
    if raw.provider is not None and raw.providers:
        return Role.BOTH
    return Role.PROVIDER if raw.provider is not None else Role.CONSUMER


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
    sha = git_short_sha(root)
    if sha:
        return sha, "git"
    return "0.0.0", "default"
