"""Contract tests of the castle client against the castle service's mock."""

from __future__ import annotations

import pytest
from castle_client import Castle, CastleClient, CastleNotFound

VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
MISSING = "00000000-0000-4000-8000-000000000000"


def test_list_castles(castles: CastleClient) -> None:
    found = castles.list_castles()

    assert found, "the service documents a non-empty list"
    assert all(isinstance(castle, Castle) and castle.name for castle in found)


def test_list_castles_in_a_region(castles: CastleClient) -> None:
    found = castles.list_castles(region="Normandie")

    assert [castle.name for castle in found] == ["Mont Saint-Michel"]
    assert {castle.region for castle in found} == {"Normandie"}


def test_get_castle(castles: CastleClient) -> None:
    castle = castles.get_castle(VERSAILLES)

    assert castle.name
    assert isinstance(castle.year_built, int)


def test_get_missing_castle(castles: CastleClient) -> None:
    with pytest.raises(CastleNotFound, match=MISSING):
        castles.get_castle(MISSING)


def test_create_castle(castles: CastleClient) -> None:
    castle = castles.create_castle(
        "Château de Chambord",
        "Centre-Val de Loire",
        1519,
        description="Renaissance château built for Francis I.",
    )

    assert castle.id
    assert castle.name


def test_delete_castle(castles: CastleClient) -> None:
    assert castles.delete_castle(VERSAILLES) is None
