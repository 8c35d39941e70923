"""The castle service, mocked by Entente from its OpenAPI spec (see ../entente.toml).

The mock answers from the spec's examples, and from our own fixtures in ``fixtures/`` for
what the examples do not cover (a castle that does not exist, a filtered list). Each test's
requests are recorded under its pytest node id; the castle service's team later replays
them against the real service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from castle_client import CastleClient

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture(scope="session")
def castle_service(entente_mock: Callable[..., Any]) -> Any:
    return entente_mock("castle-service", local_fixtures=FIXTURES)


@pytest.fixture
def castles(castle_service: Any) -> Iterator[CastleClient]:
    with CastleClient(castle_service.url) as client:
        yield client
