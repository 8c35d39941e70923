"""The fixtures a consumer's mock answers from: approved ones in the local store, plus the
test author's own (``local_fixtures``).

Local fixtures are the test's explicit choice, so they count as approved (a rejected one is
left out). They may be `Fixture` objects, plain dicts, or a JSON/YAML file (or a folder of
them) holding a list of fixtures or ``{"fixtures": [...]}``. A dict may leave out
``provider`` (the mock's provider) and ``operation_id`` (found by matching the request
against the spec).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from entente_daemon.errors import EntenteError
from entente_daemon.fixtures.versions import applies_to
from entente_daemon.model import Fixture, FixtureStatus
from entente_daemon.openapi import Spec
from entente_daemon.records import StoreRecords

LocalFixtures = Sequence[Fixture | Mapping[str, Any]] | Path | str | None

_FILE_SUFFIXES = (".json", ".yaml", ".yml")


class FixtureError(EntenteError):
    """A local fixture is malformed: names the file (or position) and the problem."""


def stored_fixtures(
    provider: str, version: str, store_path: Path | str | None = None
) -> list[Fixture]:
    """The approved fixtures for ``provider`` at ``version`` in the local store."""
    approved = StoreRecords(store_path).fixtures(provider=provider, status=FixtureStatus.APPROVED)
    return [f for f in approved if applies_to(f, version)]


def _read_file(file: Path) -> list[Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError(f"{file}: cannot read local fixtures ({exc.strerror})") from None
    try:
        data = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise FixtureError(f"{file}: not valid JSON/YAML: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("fixtures"), list):
        data = data["fixtures"]
    if not isinstance(data, list):
        raise FixtureError(f"{file}: expected a list of fixtures or {{'fixtures': [...]}}")
    return data


def _entries(source: Path) -> list[tuple[str, Any]]:
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix in _FILE_SUFFIXES)
    elif source.is_file():
        files = [source]
    else:
        raise FixtureError(f"{source}: local fixtures not found (no such file or folder)")
    return [
        (f"{file}[{index}]", entry)
        for file in files
        for index, entry in enumerate(_read_file(file))
    ]


def _to_fixture(where: str, entry: Any, provider: str, spec: Spec) -> Fixture:
    if isinstance(entry, Fixture):
        fixture = entry
    elif isinstance(entry, Mapping):
        data = dict(entry)
        data.setdefault("provider", provider)
        data.setdefault("status", FixtureStatus.APPROVED.value)
        if "operation_id" not in data:
            data["operation_id"] = _operation_of(where, data, spec)
        try:
            fixture = Fixture.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(p) for p in first["loc"])
            raise FixtureError(f"{where}: {key}: {first['msg']}") from None
    else:
        raise FixtureError(f"{where}: a fixture must be a Fixture or a mapping, not {entry!r}")
    if fixture.provider != provider:
        raise FixtureError(
            f"{where}: fixture for provider {fixture.provider!r} given to the {provider!r} mock"
        )
    if spec.operation(fixture.operation_id) is None:
        raise FixtureError(
            f"{where}: operation {fixture.operation_id!r} is not in {provider}'s spec "
            f"(version {spec.version})"
        )
    if fixture.status is not FixtureStatus.APPROVED:
        fixture = fixture.model_copy(update={"status": FixtureStatus.APPROVED})
    return fixture.with_hash()


def _operation_of(where: str, data: Mapping[str, Any], spec: Spec) -> str:
    request = data.get("request")
    if not isinstance(request, Mapping) or "method" not in request or "path" not in request:
        raise FixtureError(f"{where}: a fixture needs a request with a method and a path")
    found = spec.match(str(request["method"]).upper(), str(request["path"]))
    if not found.matched or found.operation is None:
        raise FixtureError(
            f"{where}: {request['method']} {request['path']} matches no operation of the spec; "
            "give operation_id"
        )
    return found.operation.operation_id


def local_fixtures(source: LocalFixtures, provider: str, spec: Spec) -> list[Fixture]:
    """The test's own fixtures, validated, as approved fixtures of ``provider``."""
    if source is None:
        return []
    if isinstance(source, str | Path):
        entries = _entries(Path(source))
    else:
        entries = [(f"local_fixtures[{i}]", entry) for i, entry in enumerate(source)]
    found: list[Fixture] = []
    for where, entry in entries:
        if isinstance(entry, Mapping) and entry.get("status") == FixtureStatus.REJECTED.value:
            continue
        if isinstance(entry, Fixture) and entry.status is FixtureStatus.REJECTED:
            continue
        found.append(_to_fixture(where, entry, provider, spec))
    return found
