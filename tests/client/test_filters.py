"""The one interaction filter: what the daemon's queries, its index and the TUI's table
each used to decide on their own, as one table that all three now answer alike."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from entente_daemon.client.filters import PARAMS, InteractionFilter
from entente_daemon.daemon.services.index import Row
from entente_daemon.model import HttpRequest, HttpResponse, Interaction
from entente_daemon.store.rows import FilterRow, row_of
from entente_tui.widgets.interaction_rows import InteractionRow, describe_filter


def made(**fields: Any) -> Interaction:
    values: dict[str, Any] = {
        "consumer": "castle-client",
        "consumer_version": "1.0.0",
        "provider": "castle-service",
        "provider_version": "2.0.0",
        "operation_id": "listCastles",
        "test_id": "tests/test_castles.py::test_list",
        "run_id": "run-1",
        "request": HttpRequest(method="GET", path="/castles"),
        "response": HttpResponse(status=200),
    }
    values.update(fields)
    return Interaction.model_validate(values)


LISTING = made()
MISSING = made(
    operation_id="getCastle",
    request=HttpRequest(method="GET", path="/castles/9"),
    response=HttpResponse(status=404),
)
TOWER = made(
    operation_id=None,
    test_id=None,
    run_id=None,
    consumer="tower-client",
    request=HttpRequest(method="POST", path="/Towers"),
    response=HttpResponse(status=500),
)

#: (filter, interaction, whether it passes)
CASES: list[tuple[InteractionFilter, Interaction, bool]] = [
    (InteractionFilter(), LISTING, True),
    (InteractionFilter(provider="castle-service"), LISTING, True),
    (InteractionFilter(provider="other"), LISTING, False),
    (InteractionFilter(consumer="tower-client"), TOWER, True),
    (InteractionFilter(consumer="tower-client"), LISTING, False),
    (InteractionFilter(operation_id="getCastle"), MISSING, True),
    (InteractionFilter(operation_id="getCastle"), LISTING, False),
    (InteractionFilter(operation_id="getCastle"), TOWER, False),
    (InteractionFilter(test_id="tests/test_castles.py::test_list"), LISTING, True),
    (InteractionFilter(test_id="tests/test_castles.py::test_list"), TOWER, False),
    (InteractionFilter(run_id="run-1"), LISTING, True),
    (InteractionFilter(run_id="run-2"), LISTING, False),
    (InteractionFilter(status="4xx"), MISSING, True),
    (InteractionFilter(status="4xx"), TOWER, False),
    (InteractionFilter(status="2xx"), LISTING, True),
    (InteractionFilter(status="500"), TOWER, True),
    (InteractionFilter(status="501"), TOWER, False),
    (InteractionFilter(text="TOWERS"), TOWER, True),  # case-insensitive, in the path
    (InteractionFilter(text="post"), TOWER, True),  # the method
    (InteractionFilter(text="listcastles"), LISTING, True),  # the operation
    (InteractionFilter(text="test_list"), LISTING, True),  # the test id
    (InteractionFilter(text="test_list"), TOWER, False),  # no test id: no match
    (InteractionFilter(text="  castles/9 "), MISSING, True),  # outer blanks ignored
    (InteractionFilter(text="   "), TOWER, True),  # blank: no text filter
    (InteractionFilter(provider="castle-service", status="5xx", text="tower"), TOWER, True),
    (InteractionFilter(provider="castle-service", status="4xx", text="tower"), TOWER, False),
]


@pytest.mark.parametrize(("where", "interaction", "passes"), CASES)
def test_the_queries_the_index_and_the_tui_agree(
    where: InteractionFilter, interaction: Interaction, passes: bool
) -> None:
    assert where.matches(interaction) is passes  # the daemon's queries
    assert where.accepts(interaction) is passes  # ... by the name they knew it
    assert where.matches(Row.of(interaction, interaction.id)) is passes  # the daemon's index
    stored = FilterRow.of_stored(interaction.id, row_of(interaction))
    assert where.matches(stored) is passes  # ... built from the store's rows
    assert where.matches(InteractionRow.of(interaction)) is passes  # the TUI's table


def test_empty_and_stored_fields_only() -> None:
    assert InteractionFilter().empty
    assert InteractionFilter(text="  ").empty
    assert not InteractionFilter(run_id="r").empty
    assert InteractionFilter(provider="p", run_id="r").stored_fields_only
    assert not InteractionFilter(status="4xx").stored_fields_only
    assert not InteractionFilter(text="x").stored_fields_only


@pytest.mark.parametrize("status", ["6xx", "4XX", "40", "abc", "600"])
def test_a_status_that_is_neither_a_class_nor_a_code_is_refused(status: str) -> None:
    with pytest.raises(ValueError, match="neither a status class"):
        InteractionFilter(status=status)


def test_as_query_parameters_and_client_arguments() -> None:
    where = InteractionFilter(
        provider="p",
        consumer="c",
        test_id="t::a",
        operation_id="o",
        run_id="r",
        status="4xx",
        text=" Tower ",
    )
    params = {
        "provider": "p",
        "consumer": "c",
        "test": "t::a",
        "operation": "o",
        "run": "r",
        "status": "4xx",
        "q": "Tower",
    }
    assert where.query_params() == params
    assert where.client_args() == {**{k: v for k, v in params.items() if k != "q"}, "text": "Tower"}
    assert InteractionFilter.from_query(params.get) == dataclasses.replace(where, text="Tower")
    assert InteractionFilter().query_params() == {}
    assert InteractionFilter(text="  ").client_args() == {}
    assert set(PARAMS) == set(InteractionFilter.__dataclass_fields__)


def test_the_tui_describes_it_as_before() -> None:
    where = InteractionFilter(
        provider="castle-service",
        operation_id="getCastle",
        status="4xx",
        test_id="tests/test_castles.py::test_get[1]",
        run_id="0123456789abcdef",
        text="tower",
    )
    assert describe_filter(where) == (
        "provider=castle-service, operation=getCastle, status=4xx, test=test_get[1], "
        "run=0123456789ab, text=tower"
    )
