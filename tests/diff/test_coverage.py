"""Coverage on real castle recordings (the castle client's tests recorded through the mock):
who exercises each operation, status and response field, and what nobody uses; and
`entente coverage` reading them from the store, with the spec given, configured or
registered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from entente_daemon.cli.coverage_command import NoSpecFound
from entente_daemon.cli.main import cli
from entente_daemon.diff.coverage import Coverage, coverage_of
from entente_daemon.diff.impact_index import ImpactIndex
from entente_daemon.model import Interaction, SpecVersion
from entente_daemon.openapi import load_spec
from entente_daemon.records import StoreRecords

from .castle_recordings import (
    CASTLE_SPEC,
    PREFIX,
    PROVIDER,
    castle_document,
    castle_recording,
    copy_store,
)

CLIENT = ("castle-client", "1.0.0")


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Interaction]]:
    return castle_recording(tmp_path_factory)


@pytest.fixture(scope="module")
def coverage(recording: tuple[Path, list[Interaction]]) -> Coverage:
    return coverage_of(load_spec(CASTLE_SPEC), ImpactIndex.build(recording[1]))


def _tests(used_by: Any) -> dict[tuple[str, str], set[str | None]]:
    return {(e.consumer, e.version): set(e.tests) for e in used_by}


def test_each_operation_names_the_consumer_version_and_tests_that_exercise_it(
    coverage: Coverage,
) -> None:
    by_id = {o.operation_id: o for o in coverage.operations}
    assert list(by_id) == ["listCastles", "createCastle", "getCastle", "deleteCastle"]
    assert _tests(by_id["getCastle"].used_by) == {
        CLIENT: {PREFIX + "test_get_castle", PREFIX + "test_get_missing_castle"}
    }
    statuses = {s.status: s for s in by_id["getCastle"].statuses}
    assert _tests(statuses["404"].used_by) == {CLIENT: {PREFIX + "test_get_missing_castle"}}
    assert coverage.consumers == [CLIENT]


def test_a_field_is_exercised_only_by_the_tests_whose_recorded_body_held_it(
    coverage: Coverage,
) -> None:
    listing = next(o for o in coverage.operations if o.operation_id == "listCastles")
    fields = {f.pointer: f for f in listing.statuses[0].fields}
    assert list(fields) == ["/*/id", "/*/name", "/*/region", "/*/yearBuilt", "/*/description"]
    both = {PREFIX + "test_list_castles", PREFIX + "test_list_castles_in_a_region"}
    assert _tests(fields["/*/region"].used_by) == {CLIENT: both}
    # Only Versailles has a description, and only the unfiltered list returns Versailles.
    assert _tests(fields["/*/description"].used_by) == {CLIENT: {PREFIX + "test_list_castles"}}


def test_what_nobody_exercises_is_listed_as_safe_to_change(coverage: Coverage) -> None:
    assert coverage.unused() == ["POST /castles 400", "DELETE /castles/{id} 404"]


def test_a_field_no_recording_held_is_unused(
    recording: tuple[Path, list[Interaction]], tmp_path: Path
) -> None:
    document = castle_document()
    document["components"]["schemas"]["Castle"]["properties"]["founder"] = {"type": "string"}
    edited = tmp_path / "openapi.json"
    edited.write_text(json.dumps(document), encoding="utf-8")

    found = coverage_of(load_spec(edited), ImpactIndex.build(recording[1]))

    assert "GET /castles/{id} 200 founder" in found.unused()
    assert "GET /castles [*].founder" not in found.unused()
    assert "GET /castles 200 [*].founder" in found.unused()


# -- entente coverage ---------------------------------------------------------------------


@pytest.fixture
def stored(recording: tuple[Path, list[Interaction]], home: Path, tmp_path: Path) -> Path:
    """The recording's store in this test's home; the working folder outside any project."""
    copy_store(recording[0], home)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    return outside


def test_coverage_prints_a_tree_and_what_nobody_uses(
    stored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(stored)
    result = CliRunner().invoke(
        cli, ["coverage", "--provider", PROVIDER, "--spec", str(CASTLE_SPEC)]
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Coverage of castle-service 1.0.0 (")
    assert lines[0].endswith(") by castle-client 1.0.0")
    assert (
        "GET /castles/{id}  getCastle  castle-client 1.0.0 (test_get_castle, "
        "test_get_missing_castle)" in lines
    )
    assert "    [*].description  castle-client 1.0.0 (test_list_castles)" in lines
    assert "  400  used by nobody" in lines
    tail = lines[lines.index("Used by nobody (safe to change): 2") :]
    assert tail[1:] == ["  POST /castles 400", "  DELETE /castles/{id} 404"]


def test_coverage_json_is_stable_for_ci(stored: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(stored)
    result = CliRunner().invoke(
        cli, ["coverage", "--provider", PROVIDER, "--spec", str(CASTLE_SPEC), "--json"]
    )

    assert result.exit_code == 0, result.output
    shape = json.loads(result.output)
    assert set(shape) == {
        "provider",
        "spec",
        "version",
        "consumers",
        "operations",
        "unused",
        "not_in_spec",
    }
    assert shape["consumers"] == [{"consumer": "castle-client", "version": "1.0.0"}]
    creating = next(o for o in shape["operations"] if o["operation_id"] == "createCastle")
    assert [(s["status"], s["used"]) for s in creating["statuses"]] == [
        ("201", True),
        ("400", False),
    ]
    region = next(f for f in creating["statuses"][0]["fields"] if f["name"] == "region")
    assert region["used_by"] == [
        {
            "consumer": "castle-client",
            "version": "1.0.0",
            "tests": [PREFIX + "test_create_castle"],
        }
    ]
    assert shape["unused"] == ["POST /castles 400", "DELETE /castles/{id} 404"]


def test_coverage_reads_the_latest_registered_spec_without_a_project(
    stored: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = castle_document()
    del document["paths"]["/castles/{id}"]["delete"]
    document["info"]["version"] = "1.1.0"
    records = StoreRecords()
    try:
        records.upload_spec(SpecVersion.of(PROVIDER, "1.1.0", document))
    finally:
        records.close()
    monkeypatch.chdir(stored)

    result = CliRunner().invoke(cli, ["coverage", "--provider", PROVIDER, "--json"])

    assert result.exit_code == 0, result.output
    shape = json.loads(result.output)
    assert shape["spec"] == "castle-service@1.1.0 (registered)"
    assert [o["operation_id"] for o in shape["operations"]] == [
        "listCastles",
        "createCastle",
        "getCastle",
    ]
    assert shape["not_in_spec"] == [{"method": "DELETE", "path": "/castles/{id}"}]


def test_coverage_without_any_spec_says_where_one_could_come_from(
    stored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(stored)
    result = CliRunner().invoke(cli, ["coverage", "--provider", PROVIDER])

    # `entente` prints an EntenteError as one line and exits 2 (`run_cli`).
    assert isinstance(result.exception, NoSpecFound)
    assert "no spec for castle-service: give --spec PATH" in str(result.exception)


def test_coverage_in_the_provider_project_needs_no_option(
    stored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (stored / "openapi.yaml").write_text(CASTLE_SPEC.read_text(encoding="utf-8"), "utf-8")
    (stored / "entente.toml").write_text(
        'service = "castle-service"\nversion = "1.0.0"\n\n[provider]\nspec = "openapi.yaml"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(stored)

    result = CliRunner().invoke(cli, ["coverage", "--json"])

    assert result.exit_code == 0, result.output
    shape = json.loads(result.output)
    assert (shape["provider"], shape["spec"]) == (PROVIDER, str(stored / "openapi.yaml"))
    assert shape["unused"] == ["POST /castles 400", "DELETE /castles/{id} 404"]
