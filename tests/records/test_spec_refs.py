"""A fixture check against a spec file reads its ``$ref``s as the project's mocks do: within
the spec's folder tree, the project's root and ``[spec] allow_refs_outside``; elsewhere
refused, naming the ref. Both records (the local store, `records/spec_target.py`; the
daemon, ``POST /v1/fixtures/check``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entente_daemon.errors import EntenteError
from entente_daemon.records import Records, SpecTarget

from .conftest import SPECS
from .test_port import fixture

SHARED = "../../shared/schemas.json"


def project_with_shared_schemas(tmp_path: Path, *, allowed: bool) -> Path:
    """``project/api/openapi.json``: the castle spec with its schemas in a sibling folder,
    ``shared/schemas.json``, allowed (or not) by ``project/entente.toml``; the spec's path."""
    document = json.loads((SPECS / "castle.json").read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "schemas.json").write_text(
        json.dumps({"components": {"schemas": schemas}}), encoding="utf-8"
    )
    document["components"]["schemas"] = {
        name: {"$ref": f"{SHARED}#/components/schemas/{name}"} for name in schemas
    }
    api = tmp_path / "project" / "api"
    api.mkdir(parents=True)
    spec = api / "openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    config = 'service = "castle-service"\n'
    if allowed:
        config += '[spec]\nallow_refs_outside = ["../shared"]\n'
    (tmp_path / "project" / "entente.toml").write_text(config, encoding="utf-8")
    return spec


def test_a_spec_referring_to_an_allowed_sibling_folder_is_checked(
    records: Records, provider: str, tmp_path: Path
) -> None:
    spec = project_with_shared_schemas(tmp_path, allowed=True)
    fits, gone = fixture(provider, 1), fixture(provider, 2, operation="getDragon")
    records.add_interactions([], [fits, gone])
    for each in (fits, gone):
        records.approve(each.id, by="alice")

    report = records.check_fixtures(provider, SpecTarget(path=spec))

    assert report.checked == 2  # the spec loaded, its schemas read from ../shared
    assert gone.id in [f.id for f in report.flagged]
    assert "getDragon" in str(next(f.flag for f in report.flagged if f.id == gone.id))


def test_a_sibling_folder_not_allowed_is_refused_by_name(
    records: Records, provider: str, tmp_path: Path
) -> None:
    spec = project_with_shared_schemas(tmp_path, allowed=False)
    with pytest.raises(EntenteError, match=r"refused") as caught:
        records.check_fixtures(provider, SpecTarget(path=spec))
    assert SHARED in str(caught.value)
    assert "allow_refs_outside" in str(caught.value)
