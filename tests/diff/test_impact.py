"""Consumer impact on real castle recordings (the castle client's tests recorded through the
mock), with edited copies of the castle spec diffed by the real engine: each impact names
the consumer, its version, the test, the operation and the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from entente_daemon.diff import DiffReport, Level, diff_specs
from entente_daemon.diff.impact import Impact, ImpactReport, impact_of
from entente_daemon.diff.impact_index import ImpactIndex
from entente_daemon.model import HttpRequest, Interaction
from entente_daemon.openapi import Spec, load_spec, load_spec_text

from .castle_recordings import CASTLE_SPEC, PREFIX, castle_document, castle_recording

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[Interaction]:
    return castle_recording(tmp_path_factory)[1]


@pytest.fixture(scope="module")
def index(recorded: list[Interaction]) -> ImpactIndex:
    return ImpactIndex.build(recorded)


@pytest.fixture(scope="module")
def old() -> Spec:
    return load_spec(CASTLE_SPEC)


def edited(edit: Edit, document: dict[str, Any] | None = None) -> Spec:
    changed = document if document is not None else castle_document()
    edit(changed)
    return load_spec_text(json.dumps(changed), "openapi.json")


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"]
    return found


def impact(old: Spec, new: Spec, index: ImpactIndex, **options: bool) -> ImpactReport:
    return impact_of(diff_specs(old, new), old, new, index, **options)


def seen(report: ImpactReport, rule: str | None = None) -> set[tuple[str, str, str, str | None]]:
    """(consumer, version, test, field) of every impact (of one rule)."""
    return {
        (i.consumer, i.consumer_version, (i.test_id or "").removeprefix(PREFIX), i.field)
        for i in report.impacts
        if rule is None or i.rule == rule
    }


def by_test(report: ImpactReport, test: str) -> Impact:
    [found] = [i for i in report.impacts if i.test_id == PREFIX + test]
    return found


def remove_region(document: dict[str, Any]) -> None:
    castle = schemas(document)["Castle"]
    del castle["properties"]["region"]
    castle["required"].remove("region")


def test_a_removed_response_field_breaks_every_test_that_read_it(
    old: Spec, index: ImpactIndex
) -> None:
    found = impact(old, edited(remove_region), index)

    assert seen(found) == {
        ("castle-client", "1.0.0", "test_get_castle", "region"),
        ("castle-client", "1.0.0", "test_create_castle", "region"),
        ("castle-client", "1.0.0", "test_list_castles", "[*].region"),
        ("castle-client", "1.0.0", "test_list_castles_in_a_region", "[*].region"),
    }
    assert {i.rule for i in found.impacts} == {"response-property-removed"}
    assert by_test(found, "test_get_castle").sentence() == (
        "breaks castle-client 1.0.0 (test_get_castle): GET /castles/{id} reads `region`, "
        "which the new spec removes"
    )
    assert found.consumers_broken == [("castle-client", "1.0.0")]
    assert not found.unexplained


def test_a_response_type_change_breaks_the_readers_of_that_field(
    old: Spec, index: ImpactIndex
) -> None:
    def year_as_text(document: dict[str, Any]) -> None:
        schemas(document)["Castle"]["properties"]["yearBuilt"] = {"type": "string"}

    found = impact(old, edited(year_as_text), index)

    assert seen(found, "response-property-type-changed") == {
        ("castle-client", "1.0.0", "test_get_castle", "yearBuilt"),
        ("castle-client", "1.0.0", "test_create_castle", "yearBuilt"),
        ("castle-client", "1.0.0", "test_list_castles", "[*].yearBuilt"),
        ("castle-client", "1.0.0", "test_list_castles_in_a_region", "[*].yearBuilt"),
    }
    assert by_test(found, "test_get_castle").what == (
        "reads `yearBuilt`, whose type the new spec changes (integer → string)"
    )


def require_founder(document: dict[str, Any]) -> None:
    create = schemas(document)["CastleCreate"]
    create["properties"]["founder"] = {"type": "string"}
    create["required"].append("founder")


def test_a_new_required_request_property_breaks_the_test_whose_request_lacks_it(
    old: Spec, index: ImpactIndex
) -> None:
    found = impact(old, edited(require_founder), index)

    assert seen(found) == {("castle-client", "1.0.0", "test_create_castle", "body founder")}
    [hit] = found.impacts
    assert hit.rule == "request-property-added-required"
    assert hit.operation == "POST /castles"
    assert hit.operation_id == "createCastle"
    assert "missing required property 'founder'" in hit.sentence()


def test_a_removed_operation_breaks_the_test_that_called_it(old: Spec, index: ImpactIndex) -> None:
    def remove_delete(document: dict[str, Any]) -> None:
        del document["paths"]["/castles/{id}"]["delete"]

    found = impact(old, edited(remove_delete), index)

    assert seen(found) == {("castle-client", "1.0.0", "test_delete_castle", None)}
    [hit] = found.impacts
    assert hit.rule == "operation-removed"
    assert hit.sentence().startswith(
        "breaks castle-client 1.0.0 (test_delete_castle): DELETE /castles/{id} can no longer "
        "be called as recorded: DELETE /castles/"
    )
    assert hit.sentence().endswith("would get 405 under the new spec")


def drop_error_message_on_create(document: dict[str, Any]) -> None:
    """The 400 of POST /castles (which no test gets) loses its `message`."""
    content = document["paths"]["/castles"]["post"]["responses"]["400"]["content"]
    content["application/json"] = {
        "schema": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}},
        }
    }


def test_an_unused_field_removed_breaks_nobody_and_is_still_listed(
    old: Spec, index: ImpactIndex
) -> None:
    found = impact(old, edited(drop_error_message_on_create), index)

    [listed] = found.changes
    assert (listed.change.rule, listed.change.level) == (
        "response-property-removed",
        Level.BREAKING,
    )
    assert listed.change.location.status == "400"
    assert not listed.used
    assert not found.broken


def test_consumers_come_first_then_the_changes_nobody_uses(old: Spec, index: ImpactIndex) -> None:
    def both(document: dict[str, Any]) -> None:
        drop_error_message_on_create(document)
        remove_region(document)

    found = impact(old, edited(both), index)

    ordered = found.by_consumers_first()
    assert [c.used for c in ordered] == [True, True, True, False]
    assert ordered[-1].change.location.pointer == "/message"


def test_a_status_the_consumer_got_that_the_new_spec_drops(old: Spec, index: ImpactIndex) -> None:
    def drop_not_found(document: dict[str, Any]) -> None:
        del document["paths"]["/castles/{id}"]["get"]["responses"]["404"]

    found = impact(old, edited(drop_not_found), index)

    assert seen(found) == {("castle-client", "1.0.0", "test_get_missing_castle", "status 404")}
    assert found.impacts[0].rule == "response-non-success-status-removed"


def test_a_grown_response_enum_may_break_but_breaks_nobody(index: ImpactIndex) -> None:
    regions = ["Île-de-France", "Normandie", "Centre-Val de Loire"]

    def closed(document: dict[str, Any]) -> None:
        schemas(document)["Castle"]["properties"]["region"]["enum"] = list(regions)

    def grown(document: dict[str, Any]) -> None:
        closed(document)
        schemas(document)["Castle"]["properties"]["region"]["enum"].append("Bretagne")

    found = impact(edited(closed), edited(grown), index)

    assert seen(found, "response-property-enum-value-added") >= {
        ("castle-client", "1.0.0", "test_get_castle", "region")
    }
    assert {i.level for i in found.impacts} == {Level.WARNING}
    assert by_test(found, "test_get_castle").sentence().startswith("may break castle-client")
    assert not found.broken


def test_a_rejection_no_change_explains_is_reported_against_the_operation(
    old: Spec, index: ImpactIndex
) -> None:
    """A report that missed the change (here: none at all) still has the recorded request
    the new spec rejects, put down to its operation, when every recorded operation is
    read; reading only what the report names reads nothing."""
    new = edited(require_founder)

    everywhere = impact_of(DiffReport(), old, new, index, everywhere=True)
    named_only = impact_of(DiffReport(), old, new, index)

    [unexplained] = everywhere.unexplained
    assert (unexplained.rule, unexplained.operation, unexplained.field) == (
        None,
        "POST /castles",
        "body founder",
    )
    assert unexplained.test_id == PREFIX + "test_create_castle"
    assert everywhere.broken == (unexplained,)
    assert named_only.impacts == ()


def test_a_request_the_old_spec_refused_too_is_not_the_new_specs_doing(
    old: Spec, recorded: list[Interaction]
) -> None:
    create = next(i for i in recorded if i.test_id == PREFIX + "test_create_castle")
    body = {**create.request.body, "yearBuilt": 999}  # below the old minimum of 1000
    request = HttpRequest.model_validate({**create.request.to_json(), "body": body})
    refused = create.model_copy(update={"id": "refused", "request": request})

    found = impact(old, edited(require_founder), ImpactIndex.build([refused]))

    assert [i.field for i in found.impacts] == ["body founder"]  # not `yearBuilt`


def test_the_index_reads_only_the_operations_a_report_names(old: Spec, index: ImpactIndex) -> None:
    new = edited(remove_region)
    report = diff_specs(old, new)
    only_get = DiffReport(
        tuple(c for c in report.changes if c.location.operation_label() == "GET /castles/{id}")
    )

    found = impact_of(only_get, old, new, index)

    assert {i.operation for i in found.impacts} == {"GET /castles/{id}"}
    assert len(index) == 6


def test_new_credentials_break_every_request_that_sent_none(old: Spec, index: ImpactIndex) -> None:
    def require_a_key(document: dict[str, Any]) -> None:
        document["components"]["securitySchemes"] = {
            "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
        }
        document["paths"]["/castles/{id}"]["get"]["security"] = [{"key": []}]

    found = impact(old, edited(require_a_key), index)

    assert seen(found) == {
        ("castle-client", "1.0.0", "test_get_castle", "credentials"),
        ("castle-client", "1.0.0", "test_get_missing_castle", "credentials"),
    }
    assert {i.rule for i in found.impacts} == {"security-added"}


def test_a_media_type_no_longer_produced_breaks_the_tests_that_got_it(
    old: Spec, index: ImpactIndex
) -> None:
    def as_xml(document: dict[str, Any]) -> None:
        content = document["paths"]["/castles/{id}"]["get"]["responses"]["200"]["content"]
        content["application/xml"] = content.pop("application/json")

    found = impact(old, edited(as_xml), index)

    assert seen(found, "response-media-type-removed") == {
        ("castle-client", "1.0.0", "test_get_castle", "application/json")
    }
    assert by_test(found, "test_get_castle").what == (
        "gets `application/json`, which the new spec no longer produces"
    )


def test_a_new_base_path_breaks_every_recorded_operation(old: Spec, index: ImpactIndex) -> None:
    def under_v2(document: dict[str, Any]) -> None:
        document["servers"] = [{"url": "http://localhost:4001/v2"}]

    found = impact(old, edited(under_v2), index)

    assert {i.rule for i in found.impacts} == {"server-base-path-changed"}
    assert {(i.test_id or "").removeprefix(PREFIX) for i in found.impacts} == {
        "test_list_castles",
        "test_list_castles_in_a_region",
        "test_get_castle",
        "test_get_missing_castle",
        "test_create_castle",
        "test_delete_castle",
    }


def test_a_removed_response_header_breaks_the_tests_that_got_it(
    recorded: list[Interaction],
) -> None:
    def with_header(document: dict[str, Any]) -> None:
        ok = document["paths"]["/castles/{id}"]["get"]["responses"]["200"]
        ok["headers"] = {"X-Rate-Limit": {"required": True, "schema": {"type": "integer"}}}

    got = next(i for i in recorded if i.test_id == PREFIX + "test_get_castle")
    response = got.response.model_copy(
        update={"headers": {**got.response.headers, "x-rate-limit": "10"}}
    )
    others = [i for i in recorded if i is not got]
    index = ImpactIndex.build([got.model_copy(update={"response": response}), *others])

    found = impact(edited(with_header), edited(lambda d: None), index)

    assert seen(found) == {("castle-client", "1.0.0", "test_get_castle", "header X-Rate-Limit")}
    assert found.impacts[0].rule == "response-required-header-removed"
    assert found.impacts[0].what == "reads header `X-Rate-Limit`, which the new spec removes"


def test_a_renamed_path_variable_keeps_the_operations_recordings(
    old: Spec, index: ImpactIndex
) -> None:
    def renamed(document: dict[str, Any]) -> None:
        item = document["paths"].pop("/castles/{id}")
        item["parameters"][0]["name"] = "castleId"
        document["paths"]["/castles/{castleId}"] = item
        remove_region(document)

    found = impact(old, edited(renamed), index)

    assert ("castle-client", "1.0.0", "test_get_castle", "region") in seen(found)
    assert by_test(found, "test_get_castle").operation == "GET /castles/{id}"
    assert not found.unexplained


def test_a_new_required_query_parameter_breaks_every_listing_without_it(
    old: Spec, index: ImpactIndex
) -> None:
    def paged(document: dict[str, Any]) -> None:
        document["paths"]["/castles"]["get"]["parameters"].append(
            {"name": "page", "in": "query", "required": True, "schema": {"type": "integer"}}
        )

    found = impact(old, edited(paged), index)

    assert seen(found) == {
        ("castle-client", "1.0.0", "test_list_castles", "query page"),
        ("castle-client", "1.0.0", "test_list_castles_in_a_region", "query page"),
    }
    assert {i.rule for i in found.impacts} == {"request-parameter-added-required"}
