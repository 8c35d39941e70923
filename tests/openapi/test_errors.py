"""A broken spec gives a SpecError naming the file, line (and column) and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from entente_daemon.errors import EntenteError
from entente_daemon.openapi import SpecError, SpecWarning, load_spec, load_spec_text
from entente_daemon.openapi.errors import display_path
from tests.openapi.conftest import SPECS

BROKEN = SPECS / "broken"


@pytest.mark.parametrize(
    ("name", "file", "line", "what"),
    [
        ("half-typed.yaml", "half-typed.yaml", 11, "YAML syntax error"),
        ("half-typed.json", "half-typed.json", 9, "JSON syntax error"),
        ("missing-ref-file.yaml", "missing-ref-file.yaml", 12, "no such file"),
        ("missing-pointer.yaml", "missing-pointer.yaml", 12, "has no 'Castel'"),
        ("missing-pointer-other-file.yaml", "missing-pointer-other-file.yaml", 12, "'Castel'"),
        ("no-openapi-key.yaml", "no-openapi-key.yaml", 1, "not an OpenAPI or Swagger document"),
        ("unsupported-version.yaml", "unsupported-version.yaml", 1, "unsupported openapi version"),
        ("duplicate-operation-id.yaml", "duplicate-operation-id.yaml", 11, "duplicate operationId"),
        ("paths-not-mapping.yaml", "paths-not-mapping.yaml", 3, "'paths' must be a mapping"),
        ("no-paths.yaml", "no-paths.yaml", 1, "no 'paths'"),
        ("bad-referenced-file.yaml", "broken-schemas.yaml", 5, "referenced from"),
    ],
)
def test_broken_spec_error_names_file_and_line(name: str, file: str, line: int, what: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(BROKEN / name)
    error = caught.value
    assert isinstance(error, EntenteError)
    assert error.file is not None
    assert error.file.name == file
    assert error.line == line
    assert what in error.message
    text = str(error)
    assert f"{file}:{line}" in text
    assert "Traceback" not in text


def test_error_text_format() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(BROKEN / "missing-pointer.yaml")
    shown = display_path(BROKEN / "missing-pointer.yaml")  # relative to the working directory
    assert str(caught.value) == (
        f"{shown}:12:17: "
        "paths./castles.get.responses.200.content.application/json.schema.$ref: "
        "cannot resolve $ref '#/components/schemas/Castel': "
        f"{shown} at components.schemas has no 'Castel'"
    )
    assert caught.value.column == 17
    assert (
        caught.value.pointer
        == "/paths/~1castles/get/responses/200/content/application~1json/schema/$ref"
    )


def test_error_and_warning_str() -> None:
    error = SpecError("bad", file="openapi.yaml", line=12, column=5, pointer="/paths/~1castles/get")
    assert str(error) == "openapi.yaml:12:5: paths./castles.get: bad"
    assert str(SpecError("bad", file="openapi.yaml")) == "openapi.yaml: bad"
    warning = SpecWarning("odd", file=Path("openapi.yaml"), line=3, pointer="/info")
    assert str(warning) == "openapi.yaml:3: info: odd"


def test_missing_ref_file_error_names_the_ref_and_the_missing_file() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(BROKEN / "missing-ref-file.yaml")
    assert "'schemas/nowhere.yaml#/Castle'" in caught.value.message
    assert "schemas/nowhere.yaml" in caught.value.message


def test_duplicate_operation_id_names_both_places() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(BROKEN / "duplicate-operation-id.yaml")
    message = caught.value.message
    assert "'getCastles'" in message
    shown = display_path(BROKEN / "duplicate-operation-id.yaml")
    assert f"GET /castles ({shown}:5)" in message


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "nowhere.yaml")
    with pytest.raises(SpecError, match="is a directory"):
        load_spec(tmp_path)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SpecError, match="the file is empty"):
        load_spec(empty)
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes(b"openapi: 3.0.3\ninfo:\n  title: Ch\xe2teau\n  version: '1'\npaths: {}\n")
    [warning] = load_spec(latin).warnings  # decoded as detected, not refused
    assert "not UTF-8 (byte 0xe2 at line 3)" in warning.message
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(SpecError, match="the top level is a list"):
        load_spec(listing)


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  castles: {}\n',
            4,
            "must start with '/'",
        ),
        (
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a: [get]\n',
            4,
            "a path item must be a mapping",
        ),
        (
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    get: yes\n',
            5,
            "an operation must be a mapping",
        ),
        (
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n'
            "  /a: {$ref: 'https://example.com/a.yaml'}\n",
            4,
            "remote references are not fetched",
        ),
        (
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n'
            "  /a: {$ref: '#/paths/~1b'}\n  /b: {$ref: '#/paths/~1a'}\n",
            4,
            "circular $ref",
        ),
        ("openapi: 3.0.3\na: &x [*x]\n", 2, "recursive alias"),
        ("openapi: 3.0.3\n? [a, b]\n: c\n", 2, "mapping key must be a plain value"),
        ("openapi: 3.0.3\n---\nopenapi: 3.1.0\n", 2, "expected a single document"),
    ],
)
def test_structural_errors(text: str, line: int, what: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec_text(text, "openapi.yaml")
    assert caught.value.line == line
    assert what in str(caught.value)


def test_circular_refs_between_files_of_non_schemas(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a: {$ref: "a.yaml"}\n',
        encoding="utf-8",
    )
    (tmp_path / "a.yaml").write_text("$ref: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("$ref: a.yaml\n", encoding="utf-8")
    with pytest.raises(SpecError, match="circular \\$ref between non-schema objects"):
        load_spec(tmp_path / "openapi.yaml")


def test_anchor_style_refs() -> None:
    with pytest.raises(SpecError, match="must be a JSON pointer") as caught:
        load_spec_text(
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n'
            "components:\n  schemas:\n    A: {$ref: '#components/schemas/B'}\n"
        )
    assert caught.value.line == 6
    # in OpenAPI 3.1 a ref to a JSON Schema $anchor that exists is fine
    spec = load_spec_text(
        'openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths: {}\n'
        "components:\n  schemas:\n    A: {$ref: '#b'}\n    B: {$anchor: b, type: string}\n",
        validate=False,
    )
    assert spec.document["components"]["schemas"]["A"] == {"$ref": "#b"}


def test_malformed_schemas_give_a_validation_error_not_an_exception() -> None:
    spec = load_spec_text(
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n'
        "components:\n  schemas:\n    A: {type: object, properties: null}\n    B: just text\n"
    )
    assert spec.warnings  # the validator said so at load time
    for name in ("A", "B"):
        validator = spec.validator_for(spec.resolve_ref(f"#/components/schemas/{name}"))
        [error] = list(validator.iter_errors({"x": 1}))
        assert "malformed" in error.message
        assert not validator.is_valid({"x": 1})
    assert spec.validator_for(None).is_valid({"anything": True})


MUTATIONS = [
    "",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "\n",
    "  ",
    "&a ",
    "*a",
    "<<: *a",
    "$ref: '#/x'",
    "$ref: '#/components/schemas/Castle'",
    "$ref: other.yaml",
    "$ref: 1",
    "null",
    "get:",
    "/x:",
    "type: [string, 'null']",
    "pattern: '['",
    "servers: [{url: '{x}'}]",
    "parameters: 5",
    "responses: []",
    "content: 3",
    "schema: []",
    "properties: x",
]


def test_mangled_specs_never_raise_anything_but_spec_error(tmp_path: Path) -> None:
    """Half-typed and mangled files, as an editor saves them: SpecError or a Spec, always."""
    import random
    import shutil

    rng = random.Random(20240131)
    sources = [
        SPECS.parent.parent / "examples" / "castle-service" / "openapi.yaml",
        SPECS / "swagger2.yaml",
        SPECS / "openapi31.yaml",
        SPECS / "matching.yaml",
        SPECS / "multifile" / "schemas" / "castle.yaml",
        SPECS / "multifile" / "paths" / "castles.yaml",
    ]
    outcomes = {"spec": 0, "error": 0}
    for attempt in range(120):
        work = tmp_path / str(attempt)
        shutil.copytree(SPECS / "multifile", work)
        source = rng.choice(sources)
        target = (
            work / source.relative_to(SPECS / "multifile")
            if "multifile" in str(source)
            else work / "openapi.yaml"
        )
        text = source.read_text(encoding="utf-8")
        if rng.random() < 0.3:
            text = text[: rng.randrange(len(text))]
        else:
            lines = text.split("\n")
            for _ in range(rng.randint(1, 3)):
                j = rng.randrange(len(lines))
                col = rng.randrange(len(lines[j]) + 1)
                cut = col + rng.randint(0, 6)
                lines[j] = lines[j][:col] + rng.choice(MUTATIONS) + lines[j][cut:]
            text = "\n".join(lines)
        target.write_text(text, encoding="utf-8")
        try:
            spec = load_spec(work / "openapi.yaml")
        except SpecError as exc:
            errors_without_file = [] if exc.file is not None else [str(exc)]
            assert errors_without_file == []
            outcomes["error"] += 1
            continue
        outcomes["spec"] += 1
        for op in spec.operations:
            assert spec.match(op.method, op.path).status is not None
            for response in op.responses.values():
                for media in response.content.values():
                    validator = spec.validator_for(media.schema)
                    for example in media.examples.values():
                        list(validator.iter_errors(example.value))
    assert outcomes["spec"] > 10
    assert outcomes["error"] > 10
