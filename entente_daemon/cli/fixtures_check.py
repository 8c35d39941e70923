"""Does a fixture still fit its provider's spec? For ``entente fixtures show``.

The spec is found, in order: ``--spec PATH``; the project's configuration (a consumed
provider's ``spec``, or the spec this project provides); the newest version published to the
local store. The response is checked with the verifier's own rules (`entente_daemon.compare`), so
``show`` and ``verify`` never disagree about what fits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from entente_daemon.cli.spec_commands import project_ref_roots
from entente_daemon.compare.response import compare, header
from entente_daemon.errors import EntenteError
from entente_daemon.mock.media import parse_media_type
from entente_daemon.model import Fixture, HttpResponse
from entente_daemon.openapi import Spec, load_spec, load_spec_text


@dataclass
class SpecCheck:
    """The outcome: ``spec`` says where the spec came from (None: none was found)."""

    spec: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        return self.spec is not None

    def to_json(self) -> dict[str, object]:
        return {
            "spec": self.spec,
            "valid": None if self.spec is None else not self.problems,
            "problems": self.problems,
        }


def configured_spec(provider: str) -> Path | None:
    """The spec file this project names for ``provider`` (consumed or provided), if any."""
    from entente_daemon.config import load_project_config

    try:
        config = load_project_config()
    except EntenteError:
        return None  # not in a project (or a broken one): other sources may still do
    for dependency in config.providers:
        if dependency.name == provider and dependency.spec_path is not None:
            return dependency.spec_path
    if config.provided_name == provider and config.provided_spec is not None:
        return config.provided_spec
    return None


def _published_spec(provider: str) -> tuple[Spec, str] | None:
    from entente_daemon.records import StoreRecords

    try:
        latest = StoreRecords().latest_spec(provider)
    except EntenteError:
        return None
    if latest is None:
        return None
    spec = load_spec_text(json.dumps(latest.spec), f"{latest.id}.json", validate=False)
    return spec, f"{latest.id} (published to the local store)"


def find_spec(provider: str, explicit: Path | None) -> tuple[Spec, str] | None:
    """The provider's spec and a description of where it came from, or None."""
    path = explicit or configured_spec(provider)
    if path is not None:
        return load_spec(path, validate=False, ref_roots=project_ref_roots()), str(path)
    return _published_spec(provider)


def _with_content_type(fixture: Fixture, spec: Spec) -> HttpResponse:
    """A fixture written by hand often has no Content-Type; assume the documented one when
    the spec documents exactly one for the status, so the body is checked at all."""
    response = fixture.response
    if header(response, "content-type") is not None:
        return response
    operation = spec.operation(fixture.operation_id)
    documented = operation.response_for(response.status) if operation else None
    if documented is None or len(documented.content) != 1:
        return response
    [media_type] = documented.content
    parsed = parse_media_type(media_type)
    if parsed is None:
        return response
    headers = {**response.headers, "content-type": parsed.essence}
    return response.model_copy(update={"headers": headers})


def check_fixture(fixture: Fixture, explicit: Path | None) -> SpecCheck:
    """Whether the fixture's response fits its operation in the provider's spec."""
    found = find_spec(fixture.provider, explicit)
    if found is None:
        return SpecCheck(None)
    spec, where = found
    operation = spec.operation(fixture.operation_id)
    if operation is None:
        return SpecCheck(where, [f"the spec has no operation {fixture.operation_id!r}"])
    response = _with_content_type(fixture, spec)
    # Compared with itself, a response can only fail the spec's rules (status documented,
    # media type documented, body valid against the schema).
    mismatches = compare(spec, operation, response, response)
    return SpecCheck(where, [m.message for m in mismatches])
