"""Round trip: the castle client's interactions recorded through a real mock, exported with
``entente pact export``, then judged by **pact-python's verifier** (the Rust core) against
the real castle-service: the good build passes; each broken build fails under pact on the
same interactions that Entente's verifier fails on. Recorded and exported once per module."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.model import Interaction
from entente_daemon.openapi import Spec, load_spec
from entente_daemon.pact.writing import description
from entente_daemon.records import open_records
from entente_daemon.records.contracts import contract_interactions
from tests.pact.castle import (
    SPEC,
    VARIANTS,
    castle_service,
    entente,
    entente_failures,
    record_castle_client,
    run_pact_verifier,
)


@dataclass(frozen=True)
class Exported:
    pact_file: Path
    document: dict[str, Any]
    interactions: list[Interaction]
    spec: Spec


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """The castle client's contract, recorded and exported (V4) once for the module."""
    home = tmp_path_factory.mktemp("pact-home")
    record_castle_client(home)
    out = tmp_path_factory.mktemp("pacts")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENTENTE_HOME", str(home))
        done = entente(
            "pact",
            "export",
            "--consumer",
            "castle-client",
            "--provider",
            "castle-service",
            "--out",
            str(out),
            "--openapi",
            str(SPEC),
        )
        assert done.exit_code == 0, done.output
        with open_records() as records:
            interactions = contract_interactions(records.provider_interactions("castle-service"))
    pact_file = out / "castle-client-castle-service.json"
    assert f"wrote {pact_file}: 6 interaction(s)" in done.output
    return Exported(
        pact_file, json.loads(pact_file.read_text("utf-8")), interactions, load_spec(SPEC)
    )


def reset_state(app: Any) -> Any:
    def handler(state: str, action: str | None = None, parameters: Any = None) -> None:
        app.store.reset()

    return handler


def test_the_export_holds_one_interaction_per_recording(exported: Exported, home: Path) -> None:
    written = exported.document["interactions"]
    assert sorted(i["description"] for i in written) == sorted(
        description(i) for i in exported.interactions
    )
    assert len({i["key"] for i in written}) == len(written) == 6
    created = next(i for i in written if i["description"].startswith("createCastle"))
    assert created["response"]["matchingRules"]["body"]["$.id"]["matchers"][0]["match"] == "regex"
    got = next(i for i in written if "test_get_castle)" in i["description"])
    assert got["providerStates"] == [
        {"name": "getCastle", "params": {"id": "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"}}
    ]


def test_pact_verifies_the_export_against_the_good_build(exported: Exported, home: Path) -> None:
    with castle_service() as (url, app):
        run = run_pact_verifier(exported.pact_file, url, "castle-service", reset_state(app))
    assert len(run.verdicts) == 6, run.output
    assert run.failed == set(), run.output


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_broken_build_fails_on_the_same_interactions(
    exported: Exported, home: Path, variant: str
) -> None:
    with castle_service(variant) as (url, app):
        outcomes = entente_failures(url, exported.spec, exported.interactions, app)
        pact = run_pact_verifier(exported.pact_file, url, "castle-service", reset_state(app))
    entente_failed = {description(o.interaction) for o in outcomes if not o.result.ok}
    assert entente_failed, f"{variant}: Entente's verifier passed a broken build"
    assert pact.failed == entente_failed, pact.output
