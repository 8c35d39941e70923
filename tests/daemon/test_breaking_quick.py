"""The quick look at a save (`breaking.quick.quick_spec`): which edits it takes on (only
the changed path items parsed, lines kept), and which it leaves to the full load."""

from __future__ import annotations

from pathlib import Path

import pytest

from entente_daemon.daemon.services.breaking.quick import quick_spec

SPEC = """\
openapi: 3.0.3
info:
  title: Castles
  version: 1.0.0
paths:
  /castles:
    get:
      operationId: listCastles
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Castle"
  /towers:
    get:
      operationId: listTowers
      responses:
        "200":
          description: ok
  '/walls/{id}':
    get:
      operationId: getWall
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
components:
  schemas:
    Castle:
      type: object
      properties:
        name: {type: string}
"""

TAKEN: list[tuple[str, str, str, set[str]]] = [
    (
        "a response removed",
        '        "200":\n          description: ok\n  \'/walls',
        '        "204":\n          description: none\n  \'/walls',
        {"/towers"},
    ),
    ("a quoted key", "operationId: getWall", "operationId: getAWall", {"/walls/{id}"}),
    (
        "a path item removed",
        SPEC[SPEC.index("  /towers:") : SPEC.index("  '/walls")],
        "",
        {"/towers"},
    ),
]

LEFT: list[tuple[str, str, str]] = [
    ("a component", "name: {type: string}", "name: {type: integer}"),
    ("the title", "title: Castles", "title: Châteaux"),
    ("an anchor", "operationId: listTowers", "operationId: &t listTowers"),
    ("a syntax error", "operationId: listTowers", "operationId: [listTowers"),
]


@pytest.mark.parametrize(("what", "old", "new", "paths"), TAKEN, ids=[case[0] for case in TAKEN])
def test_an_edit_inside_path_items_parses_only_those(
    tmp_path: Path, what: str, old: str, new: str, paths: set[str]
) -> None:
    assert old in SPEC, what
    saved = SPEC.replace(old, new, 1)
    found = quick_spec(SPEC, saved, tmp_path / "openapi.yaml")
    assert found is not None, what
    assert found.paths == paths
    loaded = {op.path for op in found.spec.operations}
    assert loaded <= paths  # the other items were not parsed
    for operation in found.spec.operations:  # lines are the saved file's
        assert operation.line is not None
        assert saved.splitlines()[operation.line - 1].strip().startswith("get:")


@pytest.mark.parametrize(("what", "old", "new"), LEFT, ids=[case[0] for case in LEFT])
def test_other_edits_are_left_to_the_full_load(
    tmp_path: Path, what: str, old: str, new: str
) -> None:
    assert old in SPEC, what
    assert quick_spec(SPEC, SPEC.replace(old, new, 1), tmp_path / "openapi.yaml") is None


def test_json_is_left_to_the_full_load(tmp_path: Path) -> None:
    assert quick_spec("{}", '{"a": 1}', tmp_path / "openapi.json") is None
