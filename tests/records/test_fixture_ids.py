"""Fixture ids as typed: whole, or a unique prefix (pure logic, no records needed)."""

from __future__ import annotations

import pytest

from entente_daemon.model import Fixture, HttpRequest, HttpResponse
from entente_daemon.records import FixtureIdError, resolve


def with_id(fixture_id: str) -> Fixture:
    return Fixture(
        id=fixture_id,
        provider="castle-service",
        operation_id="getCastle",
        request=HttpRequest(method="GET", path="/castles/1"),
        response=HttpResponse(status=200),
    )


FIXTURES = [with_id("abc123"), with_id("abd456"), with_id("abc")]


def test_a_whole_id_wins_over_a_prefix() -> None:
    assert resolve(FIXTURES, " abc ").id == "abc"


def test_a_unique_prefix_names_its_fixture() -> None:
    assert resolve(FIXTURES, "abd").id == "abd456"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("", "an empty fixture id"),
        ("zz", "no fixture has an id starting with 'zz'"),
        ("ab", "'ab' is the start of 3 fixture ids (abc123, abd456, abc)"),
    ],
)
def test_other_references_are_refused_saying_why(ref: str, message: str) -> None:
    with pytest.raises(FixtureIdError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve(FIXTURES, ref)
