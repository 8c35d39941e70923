"""A pact written by **pact-python's consumer DSL** (castle interactions with matchers and
provider states with params), imported with ``entente pact import``, verified by Entente
against the real castle-service: Entente agrees with pact-python's own verifier,
interaction by interaction, on the good build and on every broken one. The pact is written
once per module (pact's mock server is started once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from entente_daemon.records import open_records
from entente_daemon.verify.provider import create_provider
from tests.pact.castle import (
    MISSING,
    SPEC,
    VARIANTS,
    VERSAILLES,
    castle_service,
    entente,
    run_pact_verifier,
)

CONSUMER = "castle-pact-app"
LISTED = "the seed castles are listed"
EXISTS = "a castle exists"
ABSENT = "no castle has the id"
TAKES = "the catalogue takes new castles"
DESCRIPTIONS = (
    "a list of castles",
    "the castles of Normandie",
    "a castle by its id",
    "a castle that does not exist",
    "a new castle",
)


@pytest.fixture(scope="module")
def pact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pact file pact-python's consumer DSL writes for a few castle interactions."""
    from pact import Pact, match

    pact = Pact(CONSUMER, "castle-service").with_specification("V4")
    castle = {
        "id": match.uuid(VERSAILLES),
        "name": match.string("Château de Versailles"),
        "region": match.like("Île-de-France"),
        "yearBuilt": match.integer(1623),
    }
    (
        pact.upon_receiving(DESCRIPTIONS[0])
        .given(LISTED)
        .with_request("GET", "/castles")
        .will_respond_with(200)
        .with_header("Content-Type", "application/json")
        .with_body(match.each_like(castle, min=1), content_type="application/json")
    )
    (
        pact.upon_receiving(DESCRIPTIONS[1])
        .given(LISTED)
        .with_request("GET", "/castles")
        .with_query_parameter("region", "Normandie")
        .will_respond_with(200)
        .with_header("Content-Type", "application/json")
        .with_body(
            match.array_containing(
                [{"name": "Mont Saint-Michel", "region": "Normandie", "yearBuilt": 1023}]
            ),
            content_type="application/json",
        )
    )
    (
        pact.upon_receiving(DESCRIPTIONS[2])
        .given(EXISTS, id=VERSAILLES, name="Château de Versailles")
        .with_request("GET", f"/castles/{VERSAILLES}")
        .will_respond_with(200)
        .with_header("Content-Type", "application/json")
        .with_body(
            {
                "id": VERSAILLES,
                "name": "Château de Versailles",
                "region": match.like("Île-de-France"),
                "yearBuilt": match.integer(1623),
                "description": match.regex("Louis XIV.", regex=r".*Louis XIV\."),
            },
            content_type="application/json",
        )
    )
    (
        pact.upon_receiving(DESCRIPTIONS[3])
        .given(ABSENT, id=MISSING)
        .with_request("GET", f"/castles/{MISSING}")
        .will_respond_with(404)
        .with_header("Content-Type", "application/json")
        .with_body(
            {"error": "not_found", "message": match.includes("No castle", generator=None)},
            content_type="application/json",
        )
    )
    new = {"name": "Château de Chambord", "region": "Centre-Val de Loire", "yearBuilt": 1519}
    (
        pact.upon_receiving(DESCRIPTIONS[4])
        .given(TAKES)
        .with_request("POST", "/castles")
        .with_body(new, content_type="application/json")
        .will_respond_with(201)
        .with_header("Content-Type", "application/json")
        .with_header(
            "Location", match.regex(f"/castles/{VERSAILLES}", regex=r"^/castles/[0-9a-f-]{36}$")
        )
        .with_body(
            {**new, "id": match.uuid(VERSAILLES), "yearBuilt": match.integer(1519)},
            content_type="application/json",
        )
    )
    with pact.serve(addr="127.0.0.1") as server, httpx.Client(base_url=str(server.url)) as http:
        assert http.get("/castles").status_code == 200
        assert http.get("/castles", params={"region": "Normandie"}).status_code == 200
        assert http.get(f"/castles/{VERSAILLES}").status_code == 200
        assert http.get(f"/castles/{MISSING}").status_code == 404
        assert http.post("/castles", json=new).status_code == 201
    out = tmp_path_factory.mktemp("dsl-pacts")
    pact.write_file(out)
    return out


def pact_state(app: Any) -> Any:
    def handler(state: str, action: str | None = None, parameters: Any = None) -> None:
        app.store.reset()

    return handler


def entente_handlers(app: Any, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Entente's handlers by state name; the states with params ask for them by name."""

    def listed() -> None:
        calls.append((LISTED, {}))
        app.store.reset()

    def exists(id: str, name: str) -> None:  # noqa: A002 (the state's param name)
        calls.append((EXISTS, {"id": id, "name": name}))
        app.store.reset()

    def absent(id: str) -> None:  # noqa: A002
        calls.append((ABSENT, {"id": id}))
        app.store.reset()

    def takes() -> None:
        calls.append((TAKES, {}))

    return {LISTED: listed, EXISTS: exists, ABSENT: absent, TAKES: takes}


def imported(pact_dir: Path) -> None:
    done = entente("pact", "import", str(pact_dir), "--openapi", str(SPEC))
    assert done.exit_code == 0, done.output
    assert "5 interaction(s) of castle-pact-app with castle-service imported" in done.output
    assert "5 matched to the spec" in done.output


def test_the_import_keeps_rules_states_and_operations(pact_dir: Path, home: Path) -> None:
    imported(pact_dir)
    with open_records() as records:
        stored = {i.test_id: i for i in records.provider_interactions("castle-service")}
    by_id = stored[f"pact:{DESCRIPTIONS[2]}"]
    assert by_id.contract
    assert by_id.operation_id == "getCastle"
    assert by_id.provider_state == EXISTS
    assert by_id.state_params == {"id": VERSAILLES, "name": "Château de Versailles"}
    assert by_id.matching_rules is not None
    assert "$.yearBuilt" in by_id.matching_rules["body"]
    listed = stored[f"pact:{DESCRIPTIONS[0]}"]
    assert listed.matching_rules is not None
    assert listed.matching_rules["body"]["$"]["matchers"][0]["min"] == 1


@pytest.mark.parametrize("variant", [None, *VARIANTS])
def test_entente_agrees_with_pact_on_each_build(
    pact_dir: Path, home: Path, variant: str | None
) -> None:
    imported(pact_dir)
    calls: list[tuple[str, dict[str, Any]]] = []
    provider = create_provider(name="castle-service", version="9.9.9", spec=SPEC)
    with castle_service(variant) as (url, app):
        report = provider.verify(url, state_handlers=entente_handlers(app, calls))
        pact = run_pact_verifier(
            next(pact_dir.glob("*.json")), url, "castle-service", pact_state(app)
        )
    ours = {
        (o.interaction.test_id or "").removeprefix("pact:"): o.result.ok for o in report.outcomes
    }
    assert sorted(ours) == sorted(DESCRIPTIONS)
    assert ours == pact.verdicts, (report.summary(), pact.output)
    if variant is None:
        assert all(ours.values()), report.summary()
        assert (EXISTS, {"id": VERSAILLES, "name": "Château de Versailles"}) in calls
        assert (ABSENT, {"id": MISSING}) in calls
    else:
        assert not all(ours.values()), f"{variant}: a broken build passed"
