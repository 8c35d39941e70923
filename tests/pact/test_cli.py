"""``entente pact import`` and ``export`` in-process (click's runner) on a private home: bad
files named with what is wrong while the good ones are stored, unsupported interactions
counted, and an imported pact exported again with its rules."""

from __future__ import annotations

import json
from pathlib import Path

from entente_daemon.records import open_records
from tests.pact.castle import SPEC, VERSAILLES, entente
from tests.pact.test_reading import V2, V4_HTTP, v4


def test_import_names_bad_files_and_stores_the_good_ones(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pacts"
    folder.mkdir()
    (folder / "a-good.json").write_text(json.dumps(V2), encoding="utf-8")
    message = {"type": "Asynchronous/Messages", "description": "m", "contents": {}}
    (folder / "b-mixed.json").write_text(json.dumps(v4(V4_HTTP, message)), encoding="utf-8")
    (folder / "c-bad.json").write_text('{"consumer": {"name": "x"}', encoding="utf-8")

    done = entente(
        "pact", "import", str(folder), str(tmp_path / "gone.json"), "--openapi", str(SPEC),
        "--consumer-version", "3.1.0",
    )  # fmt: skip

    assert done.exit_code == 1
    assert "a-good.json: 1 interaction(s) of app with castle-service imported" in done.output
    assert "not supported, not imported: 1 (1 message)" in done.output
    assert "c-bad.json: not JSON (line 1" in done.output
    assert "gone.json: no such file or folder" in done.output
    with open_records() as records:
        stored = records.provider_interactions("castle-service")
    assert sorted((i.test_id, i.consumer_version) for i in stored) == [
        ("pact:a castle", "3.1.0"),
        ("pact:a new castle", "3.1.0"),
    ]


def test_an_imported_pact_is_exported_again_with_its_rules(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "app-castle-service.json"
    source.write_text(json.dumps(V2), encoding="utf-8")
    assert entente("pact", "import", str(source), "--openapi", str(SPEC)).exit_code == 0

    out = tmp_path / "out"
    done = entente(
        "pact", "export", "--consumer", "app", "--provider", "castle-service",
        "--spec", "V3", "--out", str(out), "--json",
    )  # fmt: skip

    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["interactions"] == 1
    written = json.loads((out / "app-castle-service.json").read_text("utf-8"))
    [one] = written["interactions"]
    assert written["metadata"]["pactSpecification"]["version"] == "3.0.0"
    assert one["providerStates"] == [{"name": "a castle exists", "params": {"id": VERSAILLES}}]
    assert one["response"]["matchingRules"]["body"]["$.name"]["matchers"] == [{"match": "type"}]


def test_export_says_what_there_is_when_nothing_matches(home: Path, tmp_path: Path) -> None:
    nothing = entente("pact", "export", "--consumer", "app", "--provider", "castle-service")
    assert nothing.exit_code != 0
    assert "no contract interactions of 'app' are recorded" in str(nothing.exception)

    source = tmp_path / "p.json"
    source.write_text(json.dumps(V2), encoding="utf-8")
    assert entente("pact", "import", str(source)).exit_code == 0
    wrong = entente(
        "pact", "export", "--consumer", "app", "--provider", "castle-service",
        "--consumer-version", "9.9", "--out", str(tmp_path),
    )  # fmt: skip
    assert "no contract at version '9.9' (recorded versions: 0.0.0)" in str(wrong.exception)


def test_one_import_is_one_run_of_each_consumer(home: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(V2), encoding="utf-8")
    second.write_text(json.dumps(v4(V4_HTTP)), encoding="utf-8")

    def exported() -> int:
        done = entente(
            "pact", "export", "--consumer", "app", "--provider", "castle-service",
            "--out", str(tmp_path / "out"), "--json",
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        return int(json.loads(done.output)["interactions"])

    assert entente("pact", "import", str(first), str(second)).exit_code == 0
    assert exported() == 2  # both files: one run
    assert entente("pact", "import", str(first), str(second)).exit_code == 0
    assert exported() == 2  # the same files again change nothing
    assert entente("pact", "import", str(second)).exit_code == 0
    assert exported() == 1  # a newer run of the consumer version replaces the older
