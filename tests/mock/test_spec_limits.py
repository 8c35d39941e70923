"""What a spec may expand to: a YAML alias bomb is refused where it is written (by the
loader, `entente spec check` and so never served), a spec file too large is refused before
it is read, and the mock never encodes an example larger than it serves."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from entente_daemon.mock.answer import prepare
from entente_daemon.mock.answer.encode import encodes_larger_than
from entente_daemon.mock.answer.engine import MockEngine
from entente_daemon.mock.messages import MockRequest
from entente_daemon.openapi import SpecError, load_spec, load_spec_text
from entente_daemon.openapi import source as spec_source
from tests.mock.spec_bombs import alias_bomb, anchor_line


def test_an_alias_bomb_is_a_spec_error_at_the_alias(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(alias_bomb(), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    error = caught.value
    assert error.file == spec
    # Each alias of `e` adds 111,111 values: the budget of 1,000,000 runs out in `f`.
    assert error.line == anchor_line(5)
    assert error.column is not None
    assert error.pointer is not None
    assert error.pointer.startswith("/paths/~1laughs/get/responses/200/content")
    assert "/example/f/" in error.pointer
    assert "billion laughs" in error.message
    assert f"{spec_source.MAX_ALIAS_VALUES:,}" in error.message


def test_aliases_within_the_budget_still_load() -> None:
    spec = load_spec_text(alias_bomb(levels=4))  # 11,110 values once expanded
    example = spec.operations[0].responses["200"].content["application/json"].example
    assert example is not None
    assert example.value["d"][9][9][9] == ["lol"] * 10


def test_spec_check_fails_an_alias_bomb_with_its_location(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(alias_bomb(), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "entente_daemon.cli", "spec", "check", str(spec)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"openapi.yaml:{anchor_line(5)}:" in result.stderr
    assert "billion laughs" in result.stderr
    assert "can be served" not in result.stdout


def test_a_spec_file_over_the_size_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spec_source, "MAX_SPEC_FILE_BYTES", 1000)
    spec = tmp_path / "openapi.yaml"
    spec.write_text(alias_bomb(levels=2) + "#" * 1000 + "\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert caught.value.file == spec
    assert "at most 1,000 bytes" in caught.value.message


def test_the_mock_does_not_serve_an_example_over_the_size_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Within the alias budget (11,110 values) but, at 100 characters a leaf, about 1 MB
    # once written out: over a limit lowered to 100,000 bytes.
    spec = load_spec_text(alias_bomb(levels=4, leaf="x" * 100))
    monkeypatch.setattr(prepare, "MAX_EXAMPLE_BYTES", 100_000)
    result = MockEngine(spec).handle(MockRequest("GET", "/laughs", "", (), b""))
    assert result.response.status == 200
    assert result.match.source == "generated"
    assert len(result.response.body) < 100_000
    assert any("larger than 100,000 bytes" in reason for reason in result.match.reasons)
    json.loads(result.response.body)


def test_asking_for_an_oversized_example_by_name_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = alias_bomb(levels=4, leaf="x" * 100).replace(
        "              example:\n",
        "              examples:\n                big:\n                  value:\n",
    )
    text = "\n".join(
        ("    " + line if line.startswith("                ") and ": &" in line else line)
        for line in text.splitlines()
    )
    spec = load_spec_text(text)
    monkeypatch.setattr(prepare, "MAX_EXAMPLE_BYTES", 100_000)
    request = MockRequest("GET", "/laughs", "", (("prefer", "example=big"),), b"")
    result = MockEngine(spec).handle(request)
    assert result.response.status == 500
    problem = json.loads(result.response.body)
    assert problem["type"].endswith("/example-too-large")
    assert "larger than 100,000 bytes" in problem["detail"]


@pytest.mark.parametrize(
    ("value", "limit", "over"),
    [
        ("abc", 10, False),
        ("x" * 100, 10, True),
        ({"a": [1, 2, 3]}, 100, False),
        ([["y" * 10] * 10] * 10, 500, True),  # shared lists count every time they appear
    ],
)
def test_encodes_larger_than(value: object, limit: int, over: bool) -> None:
    assert encodes_larger_than(value, limit) is over
    assert (len(json.dumps(value)) > limit) is over
