"""``entente interactions list`` shows the query string and takes a test's short name as well
as its node id (through the daemon and from the store alike); ``entente fixtures list`` shows
each fixture's request."""

from __future__ import annotations

import json
from pathlib import Path

from entente_daemon.model import Fixture, HttpRequest, HttpResponse

from .conftest import Daemon, entente_cli, interaction

NODE = "tests/test_castles.py::test_list_castles[loire]"


def listed_ids(home: Path, *args: str) -> list[str]:
    done = entente_cli(home, "interactions", "list", "--json", *args)
    assert done.returncode == 0, done.stderr
    return [i["id"] for i in json.loads(done.stdout)["interactions"]]


def test_interactions_list_query_and_short_test_names(home: Path, daemon: Daemon) -> None:
    daemon.start()
    by_query = interaction(
        1,
        test_id=NODE,
        request=HttpRequest(method="GET", path="/castles", query={"region": ["Loire"]}),
    )
    other = interaction(2, test_id="tests/test_castles.py::test_get_castle")
    with daemon.client() as client:
        client.upload_interactions([by_query, other])

    table = entente_cli(home, "interactions", "list")
    assert table.returncode == 0, table.stderr
    assert "GET /castles?region=Loire" in table.stdout

    for running in (True, False):
        for name in (NODE, "test_list_castles[loire]", "test_list_castles"):
            assert listed_ids(home, "--test", name) == [by_query.id], (name, running)
        assert listed_ids(home, "--test", "test_list") == [], "a short name is whole"
        daemon.stop()  # then the same from the store


def test_fixtures_list_shows_the_request(home: Path, daemon: Daemon) -> None:
    daemon.start()
    draft = Fixture(
        provider="castle-service",
        operation_id="listCastles",
        request=HttpRequest(method="GET", path="/castles", query={"region": ["Loire"]}),
        response=HttpResponse(status=200, body=[]),
    )
    with daemon.client() as client:
        client.upload_interactions([], fixtures=[draft])
    done = entente_cli(home, "fixtures", "list")
    assert done.returncode == 0, done.stderr
    assert "GET /castles?region=Loire" in done.stdout
