"""`entente diff --impact` and `--fail-on impact` (through CliRunner) on real castle
recordings in the test's own store: the impact per change, consumers first; exit 1 only when
a recorded consumer is broken; one JSON document with ``--format json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from entente_daemon.cli.main import cli
from entente_daemon.model import Interaction

from .castle_recordings import CASTLE_SPEC, PROVIDER, castle_document, castle_recording, copy_store


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Interaction]]:
    return castle_recording(tmp_path_factory)


@pytest.fixture
def work(
    recording: tuple[Path, list[Interaction]],
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """The recording's store in this test's home; the working folder outside any project."""
    copy_store(recording[0], home)
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def write(folder: Path, document: dict[str, Any]) -> Path:
    path = folder / "new.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def without_region(folder: Path) -> Path:
    document = castle_document()
    castle = document["components"]["schemas"]["Castle"]
    del castle["properties"]["region"]
    castle["required"].remove("region")
    return write(folder, document)


def without_unused_message(folder: Path) -> Path:
    document = castle_document()
    content = document["paths"]["/castles"]["post"]["responses"]["400"]["content"]
    content["application/json"] = {
        "schema": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}},
        }
    }
    return write(folder, document)


def diff(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", str(CASTLE_SPEC), *args])


def test_impact_prints_each_change_with_the_consumers_it_breaks(work: Path) -> None:
    result = diff(str(without_region(work)), "--impact", "--provider", PROVIDER)

    assert result.exit_code == 0, result.output
    impact = result.output[result.output.index("Consumer impact on castle-service") :]
    lines = impact.splitlines()
    assert lines[0] == "Consumer impact on castle-service: breaks castle-client 1.0.0"
    assert (
        "    breaks castle-client 1.0.0 (test_get_castle): GET /castles/{id} reads `region`, "
        "which the new spec removes"
    ) in lines
    assert sum("breaks castle-client 1.0.0 (" in line for line in lines) == 4


def test_fail_on_impact_fails_when_a_recorded_consumer_breaks(work: Path) -> None:
    result = diff(str(without_region(work)), "--fail-on", "impact", "--provider", PROVIDER)

    assert result.exit_code == 1, result.output
    assert "Consumer impact on castle-service: breaks castle-client 1.0.0" in result.output


def test_fail_on_impact_passes_a_breaking_change_nobody_recorded_uses(work: Path) -> None:
    new = str(without_unused_message(work))

    by_impact = diff(new, "--fail-on", "impact", "--provider", PROVIDER)
    by_level = diff(new, "--fail-on", "breaking", "--impact", "--provider", PROVIDER)

    assert by_impact.exit_code == 0, by_impact.output
    assert "no recorded consumer is broken" in by_impact.output
    assert (
        "  breaking, but no recorded consumer uses it: response-property-removed: "
        "POST /castles response 400"
    ) in by_impact.output
    assert by_level.exit_code == 1  # the level rule is unchanged by --impact


def test_json_is_one_document_with_the_impact(work: Path) -> None:
    result = diff(str(without_region(work)), "--impact", "--provider", PROVIDER, "--format", "json")

    assert result.exit_code == 0, result.output
    shape = json.loads(result.output)
    impact = shape["impact"]
    assert impact["provider"] == PROVIDER
    assert impact["consumers_broken"] == [{"consumer": "castle-client", "version": "1.0.0"}]
    fields = {
        (i["test_id"].rsplit("::", 1)[-1], i["field"])
        for change in impact["changes"]
        for i in change["impacts"]
    }
    assert ("test_get_castle", "region") in fields
    assert ("test_list_castles", "[*].region") in fields
    assert impact["unexplained"] == []


def test_markdown_adds_the_impact_for_a_pull_request(work: Path) -> None:
    result = diff(
        str(without_region(work)), "--impact", "--provider", PROVIDER, "--format", "markdown"
    )

    assert result.exit_code == 0, result.output
    assert "### Consumer impact on castle-service: breaks castle-client 1.0.0" in result.output
    assert "  - breaks castle-client 1.0.0 (test_create_castle): POST /castles" in result.output


def test_the_provider_is_found_from_the_project_that_names_the_spec(work: Path) -> None:
    (work / "openapi.yaml").write_text(CASTLE_SPEC.read_text(encoding="utf-8"), encoding="utf-8")
    (work / "entente.toml").write_text(
        'service = "castle-client"\nversion = "1.0.0"\n\n'
        '[[providers]]\nname = "castle-service"\nversion = "1.0.0"\nspec = "openapi.yaml"\n',
        encoding="utf-8",
    )
    new = without_region(work)

    result = CliRunner().invoke(cli, ["diff", "openapi.yaml", str(new), "--impact"])

    assert result.exit_code == 0, result.output
    assert "Consumer impact on castle-service: breaks castle-client 1.0.0" in result.output


def test_impact_without_a_provider_says_how_to_name_one(work: Path) -> None:
    result = diff(str(without_region(work)), "--impact")

    assert result.exit_code == 2
    assert "--impact needs the provider whose consumers to read: give --provider" in (result.output)
