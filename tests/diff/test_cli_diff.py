"""``entente diff`` through click's runner: formats, exit codes, ``--base git:REF`` in a real
temporary git repository, ``--base registered`` against the local store."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from entente_daemon.cli.main import cli
from entente_daemon.diff.catalogue import RULES

pytestmark = pytest.mark.usefixtures("home")

ROOT = Path(__file__).resolve().parents[2]
CASTLE = ROOT / "examples" / "castle-service" / "openapi.yaml"
MULTIFILE = ROOT / "tests" / "specs" / "multifile"
BROKEN = ROOT / "tests" / "specs" / "broken" / "half-typed.yaml"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _edited(tmp_path: Path, name: str, edit: str) -> Path:
    """The castle spec with one edit: ``region-removed`` (breaking), ``status-added``
    (a new success status: a warning), ``description`` (nothing)."""
    doc = yaml.safe_load(CASTLE.read_text())
    castle = doc["components"]["schemas"]["Castle"]
    if edit == "region-removed":
        del castle["properties"]["region"]
    elif edit == "status-added":
        doc["paths"]["/castles"]["get"]["responses"]["203"] = {"description": "partial"}
    elif edit == "description":
        castle["properties"]["region"]["description"] = "where"
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pair")
    return {
        edit: _edited(folder, f"{edit}.yaml", edit)
        for edit in ("region-removed", "status-added", "description")
    }


def test_text_lists_each_change_with_file_and_line(pair: dict[str, Path]) -> None:
    result = run("diff", CASTLE, pair["region-removed"])
    assert result.exit_code == 0
    assert "breaking response-property-removed" in result.stdout
    assert "GET /castles/{id} response 200 (application/json) at /region" in result.stdout
    assert "openapi.yaml:" in result.stdout
    assert result.stdout.rstrip().endswith("3 breaking, 0 warnings, 0 info")


@pytest.mark.parametrize(
    ("edit", "fail_on", "code"),
    [
        ("region-removed", "breaking", 1),
        ("region-removed", "warning", 1),
        ("status-added", "breaking", 0),
        ("status-added", "warning", 1),
        ("description", "warning", 0),
    ],
)
def test_fail_on_exits_1_at_or_above_the_level(
    pair: dict[str, Path], edit: str, fail_on: str, code: int
) -> None:
    assert run("diff", CASTLE, pair[edit], "--fail-on", fail_on).exit_code == code


def test_json_has_a_summary_and_located_changes(pair: dict[str, Path]) -> None:
    result = run("diff", CASTLE, pair["region-removed"], "--format", "json")
    body = json.loads(result.stdout)
    assert body["summary"] == {"breaking": 3, "warning": 0, "info": 0}
    first = body["changes"][0]
    assert first["rule"] == "response-property-removed"
    assert first["level"] == "breaking"
    assert first["side"] == "response"
    assert first["location"]["path"] == "/castles"
    assert first["location"]["pointer"] == "/*/region"
    assert first["location"]["line"] > 0


def test_markdown_is_a_summary_and_a_table_per_level(pair: dict[str, Path]) -> None:
    doc = yaml.safe_load(pair["region-removed"].read_text())
    doc["paths"]["/castles"]["get"]["responses"]["203"] = {"description": "partial"}
    both = pair["region-removed"].with_name("both.yaml")
    both.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = run("diff", CASTLE, both, "--format", "markdown").stdout
    lines = out.splitlines()
    assert "**3 breaking, 1 warning, 0 info**" in lines[2]
    assert "#### Breaking (3)" in lines
    assert "#### Warnings (1)" in lines
    assert out.count("| Rule | Operation | Where | Change |") == 2
    assert "| `response-property-removed` | GET /castles/{id} |" in out


def test_no_changes(pair: dict[str, Path]) -> None:
    result = run("diff", CASTLE, pair["description"], "--fail-on", "warning")
    assert result.exit_code == 0
    assert result.stdout.strip() == "no changes"


def test_a_spec_that_does_not_load_exits_2_with_file_and_line() -> None:
    result = run("diff", CASTLE, BROKEN)
    assert result.exit_code == 2
    assert f"{BROKEN.name}:" in result.stderr
    assert "error:" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("diff", CASTLE),
        ("diff", "--base", "svn:trunk", CASTLE),
        ("diff", "--base", "git:main", CASTLE, CASTLE),
        ("diff", CASTLE, "no-such-file.yaml"),
    ],
    ids=["one-file", "unknown-base", "base-and-two-files", "missing-file"],
)
def test_usage_errors_exit_2(args: tuple[str | Path, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Error" in result.stderr or "error" in result.stderr


def test_rules_prints_the_catalogue() -> None:
    out = run("diff", "--rules").stdout.splitlines()
    assert len(out) == len(RULES)
    assert any(line.startswith("response-property-removed ") for line in out)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_base_git_ref_reads_a_multi_file_spec_at_that_ref(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(MULTIFILE, repo / "api")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "spec")
    schema = repo / "api" / "schemas" / "castle.yaml"
    schema.write_text(schema.read_text().replace("    name: {type: string, minLength: 1}\n", ""))
    result = run("diff", "--base", "git:main", repo / "api" / "openapi.yaml", "--format", "json")
    assert result.exit_code == 0, result.stderr
    changes = json.loads(result.stdout)["changes"]
    removed = [c for c in changes if c["rule"] == "response-property-removed"]
    assert removed, changes
    assert removed[0]["location"]["file"] == "main:api/schemas/castle.yaml"
    assert removed[0]["location"]["pointer"].endswith("/name")
    # the same file against itself at HEAD after committing: nothing
    _git(repo, "commit", "-qam", "name gone")
    again = run("diff", "--base", "git:HEAD", repo / "api" / "openapi.yaml")
    assert again.stdout.strip() == "no changes"


def test_base_git_ref_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(CASTLE, repo / "openapi.yaml")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "spec")
    result = run("diff", "--base", "git:no-such-branch", repo / "openapi.yaml")
    assert result.exit_code == 2
    assert "no-such-branch" in result.stderr


def test_base_registered_compares_with_the_latest_uploaded_version(
    pair: dict[str, Path],
) -> None:
    uploaded = run(
        "upload-spec", "--service", "castles", "--service-version", "1.0.0", "--spec", CASTLE
    )
    assert uploaded.exit_code == 0, uploaded.stderr
    result = run(
        "diff",
        "--base",
        "registered",
        "--service",
        "castles",
        pair["region-removed"],
        "--fail-on",
        "breaking",
    )
    assert result.exit_code == 1
    assert "response-property-removed" in result.stdout


def test_base_registered_without_a_registered_version_exits_2(pair: dict[str, Path]) -> None:
    result = run("diff", "--base", "registered", "--service", "nobody", pair["description"])
    assert result.exit_code == 2
    assert "no spec version registered for 'nobody'" in result.stderr
