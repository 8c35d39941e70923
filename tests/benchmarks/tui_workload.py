"""Castle-like interactions for the TUI benchmark, and a store made of them.

The interactions vary as the castle client's do (the four operations, their statuses, the
three answer sources, a test id per test), each one distinct so that the store keeps them
all (it de-duplicates equal content). Building the store directly (no daemon running) is
about twice as fast as uploading 100,000 interactions through the daemon, and leaves the
events table empty; the daemon, started afterwards, is then its only writer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from entente_daemon.model import AnswerSource, HttpRequest, HttpResponse, Interaction, MatchContext
from entente_daemon.store import Store

CONSUMER = "castle-client"
PROVIDER = "castle-service"
TESTS = (
    "tests/test_castles.py::test_list_castles",
    "tests/test_castles.py::test_get_castle",
    "tests/test_castles.py::test_create_castle",
    "tests/test_castles.py::test_delete_castle",
    "tests/test_castles.py::test_unknown_castle",
)
SOURCES: tuple[AnswerSource, ...] = ("fixture", "example", "generated")
START = datetime(2025, 3, 14, 9, 0, 0, tzinfo=UTC)
BATCH = 5_000


def castle_id(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def castle_interaction(
    n: int, *, run_id: str = "bench-stored", when: datetime | None = None
) -> Interaction:
    """The ``n``-th interaction of the workload (distinct content for every ``n``)."""
    kind = n % 5
    ident = castle_id(n)
    body = {"id": ident, "name": f"Castle {n}", "region": "Normandie", "yearBuilt": 1000 + n % 1000}
    request: HttpRequest
    if kind == 0:
        request = HttpRequest(method="GET", path="/castles", query={"region": [f"r{n}"]})
        response = HttpResponse(status=200, body=[body])
        operation, template = "listCastles", "/castles"
    elif kind == 1:
        request = HttpRequest(method="GET", path=f"/castles/{ident}")
        response = HttpResponse(status=200, body=body)
        operation, template = "getCastle", "/castles/{id}"
    elif kind == 2:
        request = HttpRequest(method="POST", path="/castles", body={**body, "id": None})
        response = HttpResponse(status=201, body=body)
        operation, template = "createCastle", "/castles"
    elif kind == 3:
        request = HttpRequest(method="DELETE", path=f"/castles/{ident}")
        response = HttpResponse(status=204)
        operation, template = "deleteCastle", "/castles/{id}"
    else:
        request = HttpRequest(method="GET", path=f"/castles/{ident}")
        response = HttpResponse(
            status=404, body={"error": "not_found", "message": f"No castle with id {ident}"}
        )
        operation, template = "getCastle", "/castles/{id}"
    if response.body is not None:
        response = response.model_copy(update={"headers": {"content-type": "application/json"}})
    return Interaction(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"entente-bench-{run_id}-{n}").hex,
        consumer=CONSUMER,
        consumer_version="1.0.0",
        provider=PROVIDER,
        provider_version="1.0.0",
        operation_id=operation,
        request=request,
        response=response,
        duration_ms=0.4 + (n % 37) / 10,
        timestamp=when or START + timedelta(milliseconds=20 * n),
        test_id=TESTS[kind],
        run_id=run_id,
        match=MatchContext(
            operation_id=operation,
            path_template=template,
            source=SOURCES[n % 3],
            reasons=[f"{request.method} {template} matched {operation}"],
        ),
    ).with_hash()


def castle_interactions(count: int, *, first: int = 0) -> Iterator[Interaction]:
    for n in range(first, first + count):
        yield castle_interaction(n)


def build_store(store_dir: Path, count: int) -> int:
    """Fill the store at ``store_dir`` (no daemon may hold it) with ``count`` interactions;
    how many it holds afterwards."""
    with Store.open(store_dir) as store:
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            store.interactions.add_many(castle_interactions(size, first=done))
            done += size
        return store.interactions.count()
