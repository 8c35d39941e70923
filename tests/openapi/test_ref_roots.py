"""``$ref``s stay inside the spec's folder tree (and the folders the project allows): a ref
to ``/etc/passwd`` or to a file outside the project is refused, saying which ref and where,
and the refused file is never read."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from entente_daemon.config import load_project_config
from entente_daemon.openapi import SpecError, load_spec

SECRET = "s3cr3t-do-not-print"

SPEC = """\
openapi: 3.0.3
info: {{title: Refs, version: "1.0.0"}}
paths:
  /things:
    get:
      operationId: getThing
      responses:
        "200":
          description: A thing.
          content:
            application/json:
              schema: {{type: object}}
              examples:
                shared:
                  $ref: "{ref}"
"""
REF_LINE, REF_COLUMN = 15, 19


def project(tmp_path: Path, ref: str, *, config: str | None = None) -> Path:
    """``tmp_path/project/api/openapi.yaml`` referring to ``ref``; a secret outside the
    project in ``tmp_path/shared/secret.yaml``; the spec's path."""
    shared = tmp_path / "shared"
    shared.mkdir(exist_ok=True)
    (shared / "secret.yaml").write_text(f"value: {{token: {SECRET}}}\n", encoding="utf-8")
    api = tmp_path / "project" / "api"
    api.mkdir(parents=True, exist_ok=True)
    spec = api / "openapi.yaml"
    spec.write_text(SPEC.format(ref=ref), encoding="utf-8")
    if config is not None:
        (tmp_path / "project" / "entente.toml").write_text(config, encoding="utf-8")
    return spec


def refused(spec: Path, ref: str, **kwargs: object) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_spec(spec, **kwargs)  # type: ignore[arg-type]
    error = caught.value
    assert error.file == spec
    assert (error.line, error.column) == (REF_LINE, REF_COLUMN)
    assert f"$ref {ref!r} refused" in error.message
    assert "outside the spec's folder" in error.message
    assert "allow_refs_outside" in error.message
    assert SECRET not in str(error)
    return error


def test_a_ref_to_etc_passwd_is_refused_unread(tmp_path: Path) -> None:
    spec = project(tmp_path, "/etc/passwd")
    error = refused(spec, "/etc/passwd")
    assert "root:" not in str(error)


def test_a_file_url_outside_is_refused(tmp_path: Path) -> None:
    ref = (tmp_path / "shared" / "secret.yaml").as_uri()
    refused(project(tmp_path, ref), ref)


def test_a_relative_ref_out_of_the_project_is_refused(tmp_path: Path) -> None:
    refused(project(tmp_path, "../../shared/secret.yaml"), "../../shared/secret.yaml")


def test_a_symlink_in_the_spec_folder_to_a_file_outside_is_refused(tmp_path: Path) -> None:
    spec = project(tmp_path, "link.yaml")
    os.symlink(tmp_path / "shared" / "secret.yaml", spec.parent / "link.yaml")
    refused(spec, "link.yaml")


def test_refs_within_the_spec_folder_tree_load(tmp_path: Path) -> None:
    spec = project(tmp_path, "examples/thing.yaml")
    (spec.parent / "examples").mkdir()
    (spec.parent / "examples" / "thing.yaml").write_text("value: {id: 1}\n", encoding="utf-8")
    loaded = load_spec(spec)
    media = loaded.operations[0].responses["200"].content["application/json"]
    assert media.examples["shared"].value == {"id": 1}


def test_allowed_folders_may_be_read(tmp_path: Path) -> None:
    spec = project(tmp_path, "../../shared/secret.yaml")
    loaded = load_spec(spec, ref_roots=[tmp_path / "shared"])
    media = loaded.operations[0].responses["200"].content["application/json"]
    assert media.examples["shared"].value == {"token": SECRET}
    assert tmp_path / "shared" / "secret.yaml" in loaded.files


def test_the_project_config_allows_its_root_and_the_listed_folders(tmp_path: Path) -> None:
    spec = project(
        tmp_path,
        "../../shared/secret.yaml",
        config='service = "things"\n[spec]\nallow_refs_outside = ["../shared"]\n',
    )
    config = load_project_config(tmp_path / "project")
    assert config.spec_ref_roots == (
        (tmp_path / "project").resolve(),
        (tmp_path / "shared").resolve(),
    )
    assert load_spec(spec, ref_roots=config.spec_ref_roots).operations


def test_without_allow_refs_outside_the_project_root_only(tmp_path: Path) -> None:
    spec = project(tmp_path, "../../shared/secret.yaml", config='service = "things"\n')
    config = load_project_config(tmp_path / "project")
    assert config.spec_ref_roots == ((tmp_path / "project").resolve(),)
    error = refused(spec, "../../shared/secret.yaml", ref_roots=config.spec_ref_roots)
    assert "and the allowed folders" in error.message


def run_entente(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entente_daemon.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_spec_check_refuses_and_names_the_ref_then_obeys_the_config(
    tmp_path: Path, home: Path
) -> None:
    spec = project(tmp_path, "../../shared/secret.yaml", config='service = "things"\n')
    work = tmp_path / "project"
    result = run_entente(work, "spec", "check", str(spec))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"openapi.yaml:{REF_LINE}:{REF_COLUMN}:" in result.stderr
    assert "$ref '../../shared/secret.yaml' refused" in result.stderr
    assert SECRET not in result.stdout + result.stderr

    (work / "entente.toml").write_text(
        'service = "things"\n[spec]\nallow_refs_outside = ["../shared"]\n', encoding="utf-8"
    )
    result = run_entente(work, "spec", "check", str(spec))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the spec can be served" in result.stdout


def test_entente_mock_does_not_serve_an_example_from_outside(tmp_path: Path, home: Path) -> None:
    spec = project(tmp_path, "../../shared/secret.yaml")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_entente(tmp_path, "mock", str(spec), "--port", str(port), "--no-record")
    assert result.returncode != 0
    assert "$ref '../../shared/secret.yaml' refused" in result.stderr
    assert SECRET not in result.stdout + result.stderr
