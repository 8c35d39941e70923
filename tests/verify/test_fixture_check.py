"""Approved fixtures against a new spec version: the pure check (`fixture_check`), and what
`flag_fixtures` stores and announces in a real store (temporary home)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from entente_daemon.fixtures.checks import check_fixtures, fixture_problems
from entente_daemon.fixtures.flags import appending, flag_alerts, flag_fixtures
from entente_daemon.model import (
    EventKind,
    Fixture,
    FixtureStatus,
    HttpRequest,
    HttpResponse,
)
from entente_daemon.openapi import Spec, load_spec_text
from entente_daemon.store import Store

ROOT = Path(__file__).resolve().parents[2]
CASTLE_SPEC = ROOT / "examples" / "castle-service" / "openapi.yaml"
VERSAILLES_ID = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
JSON = {"content-type": "application/json"}
VERSAILLES: dict[str, Any] = {
    "id": VERSAILLES_ID,
    "name": "Château de Versailles",
    "region": "Île-de-France",
    "yearBuilt": 1623,
}
CHAMBORD = {"name": "Château de Chambord", "region": "Centre-Val de Loire", "yearBuilt": 1519}

Document = dict[str, Any]


def castle_document() -> Document:
    loaded: Document = yaml.safe_load(CASTLE_SPEC.read_text(encoding="utf-8"))
    return loaded


def spec_of(document: Document) -> Spec:
    return load_spec_text(json.dumps(document), "castle.json", validate=False)


def edited(change: Callable[[Document], None]) -> Spec:
    document = copy.deepcopy(castle_document())
    change(document)
    return spec_of(document)


def fixture(
    operation: str, method: str, path: str, status: int, body: Any, **extra: Any
) -> Fixture:
    request = HttpRequest(method=method, path=path, **extra.pop("request", {}))
    response = HttpResponse(status=status, headers=extra.pop("headers", JSON), body=body)
    return Fixture(
        provider="castle-service",
        operation_id=operation,
        status=FixtureStatus.APPROVED,
        request=request,
        response=response,
        **extra,
    )


GET_VERSAILLES = fixture("getCastle", "GET", f"/castles/{VERSAILLES_ID}", 200, VERSAILLES)
NOT_FOUND = fixture(
    "getCastle",
    "GET",
    "/castles/00000000-0000-4000-8000-000000000000",
    404,
    {"error": "not_found", "message": "No castle"},
)
LIST_NORMANDY = fixture(
    "listCastles",
    "GET",
    "/castles",
    200,
    [],
    request={"query": {"region": ["Normandie"], "api_key": ["[REDACTED]"]}},
)
CREATE = fixture(
    "createCastle",
    "POST",
    "/castles",
    201,
    {**CHAMBORD, "id": "c4a8e2f1-7b6d-4e3a-8f5c-1d2e3f4a5b6c"},
    request={"body": CHAMBORD, "headers": {"Content-Type": "application/json"}},
)
DELETE = fixture("deleteCastle", "DELETE", f"/castles/{VERSAILLES_ID}", 204, None, headers={})
# Written by hand: no Content-Type, and the path recorded as the template (pins no id).
ANY_CASTLE = fixture("getCastle", "GET", "/castles/{id}", 200, VERSAILLES, headers={})
ALL = [GET_VERSAILLES, NOT_FOUND, LIST_NORMANDY, CREATE, DELETE, ANY_CASTLE]


def schemas(document: Document) -> Document:
    found: Document = document["components"]["schemas"]
    return found


def test_the_unchanged_spec_flags_nothing() -> None:
    checks = check_fixtures(spec_of(castle_document()), ALL)
    assert [(c.fixture.id, c.problems) for c in checks] == [(f.id, []) for f in ALL]
    assert not any(c.flagged for c in checks)


def test_an_operation_removed() -> None:
    spec = edited(lambda d: d["paths"]["/castles/{id}"].pop("get"))
    assert fixture_problems(spec, GET_VERSAILLES) == [
        "operation 'getCastle' is no longer in the spec"
    ]
    assert fixture_problems(spec, DELETE) == []


def test_an_operation_renamed_names_its_new_id() -> None:
    def rename(document: Document) -> None:
        document["paths"]["/castles/{id}"]["get"]["operationId"] = "fetchCastle"

    [problem] = fixture_problems(edited(rename), GET_VERSAILLES)
    assert problem == (
        f"operation 'getCastle' is no longer in the spec (GET /castles/{VERSAILLES_ID} is "
        "now operation 'fetchCastle')"
    )


def test_a_path_moved_no_longer_fits() -> None:
    def move(document: Document) -> None:
        document["paths"]["/v2/castles/{id}"] = document["paths"].pop("/castles/{id}")

    spec = edited(move)
    assert fixture_problems(spec, GET_VERSAILLES) == [
        f"request: path /castles/{VERSAILLES_ID} no longer fits getCastle's /v2/castles/{{id}}"
    ]
    assert fixture_problems(spec, ANY_CASTLE) == [
        "request: path /castles/{id} no longer fits getCastle's /v2/castles/{id}"
    ]


def test_a_status_removed() -> None:
    spec = edited(lambda d: d["paths"]["/castles/{id}"]["get"]["responses"].pop("404"))
    assert fixture_problems(spec, NOT_FOUND) == [
        "response: status 404 is not in the spec (documented: 200)"
    ]
    assert fixture_problems(spec, GET_VERSAILLES) == []


def test_a_field_type_changed() -> None:
    spec = edited(lambda d: schemas(d)["Castle"]["properties"].update(yearBuilt={"type": "string"}))
    problem = "response body $.yearBuilt: 1623 is not of type 'string'"
    assert [p[: len(problem)] for p in fixture_problems(spec, GET_VERSAILLES)] == [problem]
    # Without a Content-Type, the body is checked as the documented media type.
    assert [p[: len(problem)] for p in fixture_problems(spec, ANY_CASTLE)] == [problem]
    assert fixture_problems(spec, NOT_FOUND) == []


def test_a_required_field_added_to_the_response() -> None:
    def require_founder(document: Document) -> None:
        castle = schemas(document)["Castle"]
        castle["properties"]["founder"] = {"type": "string"}
        castle["required"].append("founder")

    spec = edited(require_founder)
    assert fixture_problems(spec, GET_VERSAILLES) == [
        "response body $.founder: the spec requires this property; the fixture does not have it"
    ]


def test_a_path_parameter_now_invalid() -> None:
    def integer_ids(document: Document) -> None:
        [param] = document["paths"]["/castles/{id}"]["parameters"]
        param["schema"] = {"type": "integer"}
        param.pop("example")

    spec = edited(integer_ids)
    [problem] = fixture_problems(spec, DELETE)
    assert problem.startswith("request: path parameter 'id' must be an integer")
    assert VERSAILLES_ID in problem
    # A fixture recorded for the template itself pins no id: nothing to be invalid.
    assert not any(p.startswith("request") for p in fixture_problems(spec, ANY_CASTLE))


def test_a_query_parameter_now_invalid_and_a_new_required_one_is_not_a_problem() -> None:
    def regions(document: Document) -> None:
        params = document["paths"]["/castles"]["get"]["parameters"]
        params[0]["schema"] = {"type": "string", "enum": ["Bretagne"]}
        params.append(
            {"name": "page", "in": "query", "required": True, "schema": {"type": "integer"}}
        )

    [problem] = fixture_problems(edited(regions), LIST_NORMANDY)
    assert problem.startswith("request: query parameter 'region' must be")
    assert "'Normandie'" in problem


def test_a_request_body_now_invalid() -> None:
    def later(document: Document) -> None:
        schemas(document)["CastleCreate"]["properties"]["yearBuilt"]["minimum"] = 1600

    assert fixture_problems(edited(later), CREATE) == [
        "request body $.yearBuilt: must be ≥ 1600 (got 1519)"
    ]


def test_fixtures_of_other_versions_are_not_checked() -> None:
    pinned = GET_VERSAILLES.model_copy(update={"provider_versions": ["0.9.0"]})
    spec = edited(lambda d: d["paths"]["/castles/{id}"].pop("get"))
    assert check_fixtures(spec, [pinned], version="1.0.0") == []
    [check] = check_fixtures(spec, [pinned], version="0.9.0")
    assert check.flagged


# -- flag_fixtures: stored and announced ----------------------------------------------------


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ENTENTE_HOME", str(tmp_path / "home"))
    with Store.open() as opened:
        for f in ALL:
            opened.fixtures.add(f)
        draft = GET_VERSAILLES.model_copy(update={"id": "draft", "status": FixtureStatus.DRAFT})
        opened.fixtures.add(draft)
        yield opened


def flag(store: Store, spec: Spec) -> Any:
    return flag_fixtures(
        store, appending(store), spec, "castle-service", version="1.0.0", checked_against="x"
    )


def flagged_events(store: Store) -> list[dict[str, Any]]:
    return [e.payload for e in store.events.since(0, 1000) if e.kind is EventKind.FIXTURE_FLAGGED]


def test_flags_are_stored_announced_once_and_cleared(store: Store) -> None:
    good = spec_of(castle_document())
    broken = edited(lambda d: d["paths"]["/castles/{id}"]["get"]["responses"].pop("404"))

    first = flag(store, broken)
    assert first.checked == len(ALL)  # approved ones only: the draft is left alone
    assert first.announced == [NOT_FOUND.id]
    stored = store.fixtures.get(NOT_FOUND.id)
    assert stored is not None
    assert stored.flag is not None
    assert stored.problems == ["response: status 404 is not in the spec (documented: 200)"]
    [event] = flagged_events(store)
    assert event == {
        "id": NOT_FOUND.id,
        "provider": "castle-service",
        "operation_id": "getCastle",
        "status": "approved",
        "problems": stored.problems,
        "spec": "x",
        "cleared": False,
    }
    assert stored.flag.event_seq == store.events.last_seq()
    [alert] = flag_alerts(store.fixtures.list())
    assert (alert.seq, alert.payload) == (stored.flag.event_seq, event)

    again = flag(store, broken)
    assert (again.announced, again.cleared, len(again.flagged)) == ([], [], 1)
    assert len(flagged_events(store)) == 1  # nothing new to say

    fixed = flag(store, good)
    assert fixed.cleared == [NOT_FOUND.id]
    assert flagged_events(store)[-1]["problems"] == []
    assert flagged_events(store)[-1]["cleared"] is True
    cleared = store.fixtures.get(NOT_FOUND.id)
    assert cleared is not None
    assert cleared.flag is None
    assert flag_alerts(store.fixtures.list()) == []


def test_a_flag_stored_without_an_announcement_is_announced_once(store: Store) -> None:
    broken = edited(lambda d: d["paths"]["/castles/{id}"]["get"]["responses"].pop("404"))
    flag(store, broken)
    current = store.fixtures.get(NOT_FOUND.id)
    assert current is not None
    assert current.flag is not None
    unannounced = current.flag.model_copy(update={"event_seq": None})
    store.fixtures.update(current.model_copy(update={"flag": unannounced}))
    [alert] = flag_alerts(store.fixtures.list())
    assert alert.seq == 0  # still an alert, though no event announced it

    report = flag(store, broken)
    assert report.announced == [NOT_FOUND.id]
    assert len(flagged_events(store)) == 2
    assert flag(store, broken).announced == []
