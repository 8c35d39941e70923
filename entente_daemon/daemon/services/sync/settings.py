"""Which broker the sync talks to, and with which key.

The URL: ``ENTENTE_SERVICE_URL``, else the credential file (`entente sync login`), else the
first attached project's ``[broker] url``. The key: ``ENTENTE_API_KEY``, else the credential
file: ``broker.json`` in the Entente home, readable by its owner only. Never the project
file: `config.py` refuses a key written in ``entente.toml``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from entente_daemon.config import API_KEY_ENV, SERVICE_URL_ENV, ProjectConfig
from entente_daemon.errors import ConfigError

CREDENTIALS_FILE = "broker.json"


@dataclass(frozen=True)
class BrokerTarget:
    url: str
    key: str | None = field(repr=False)
    key_source: str  # where the key came from, for the status ("ENTENTE_API_KEY", a file)


def credentials_path(home: Path) -> Path:
    return home / CREDENTIALS_FILE


def read_credentials(home: Path) -> dict[str, str]:
    """The credential file's ``url`` and ``key`` (empty when there is none). ConfigError
    when it is readable by others than its owner, or not JSON."""
    path = credentials_path(home)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    if mode & 0o077:
        raise ConfigError(
            f"{path}: the broker's key file is readable by others (mode {mode & 0o777:o}); "
            f"make it private with `chmod 600 {path}`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the broker's key file ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the broker's key file is not a JSON object")
    return {k: v for k, v in data.items() if isinstance(v, str) and k in ("url", "key")}


def write_credentials(home: Path, url: str, key: str) -> Path:
    """Store the broker's URL and key, readable by the owner only (0600)."""
    path = credentials_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"url": url.rstrip("/"), "key": key}, handle)
        handle.write("\n")
    os.chmod(path.with_suffix(".tmp"), 0o600)
    os.replace(path.with_suffix(".tmp"), path)
    return path


def resolve_target(
    home: Path, env: Mapping[str, str], projects: Iterable[ProjectConfig] = ()
) -> BrokerTarget | None:
    """The broker to sync with, or None when none is configured."""
    stored = read_credentials(home)
    url = env.get(SERVICE_URL_ENV) or stored.get("url")
    if not url:
        url = next((p.broker.url for p in projects if p.broker.url), None)
    if not url:
        return None
    if env.get(API_KEY_ENV):
        return BrokerTarget(url.rstrip("/"), env[API_KEY_ENV], API_KEY_ENV)
    key = stored.get("key")
    source = str(credentials_path(home)) if key else "none"
    return BrokerTarget(url.rstrip("/"), key, source)
