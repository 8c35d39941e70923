"""The verification benchmark's workload: N distinct requests a castle client makes, and
their recording against the real castle-service as Entente `Interaction`\\ s.

The requests cycle through a fixed pattern of 20 (every operation of the castle API, good
and bad outcomes): ``getCastle`` on the seed castles (200) and on unknown ids (404),
``listCastles`` unfiltered and by region (seed regions, regions of created castles, regions
with no castle), ``createCastle`` with valid castles (201) and invalid ones (400), and
``deleteCastle`` on unknown ids (404). No request deletes or reads a castle it created, so
replaying the recordings *in order* against a fresh service reproduces every answer's shape
without provider states (created castles get new random ids, which both tools compare by
type only). Every request carries its own ``x-request-id``, which makes each one distinct.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from entente_daemon.model import HttpRequest, HttpResponse, Interaction, MatchContext
from entente_daemon.openapi import Spec
from entente_daemon.verify.runner import decode_body

CONSUMER = "castle-client"
CONSUMER_VERSION = "1.0.0"
PROVIDER = "castle-service"
PROVIDER_VERSION = "1.0.0"

VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
MONT = "9b1d4e72-5c3a-4f08-b6e1-2a7c8d9f0e13"
SEED_REGIONS = ("Île-de-France", "Normandie")
NEW_REGIONS = ("Centre-Val de Loire", "Bretagne", "Occitanie", "Grand Est")
EMPTY_REGIONS = ("Atlantis", "Avalon")
REGIONS = SEED_REGIONS + NEW_REGIONS + EMPTY_REGIONS

#: The 20-request cycle: what each slot asks.
CYCLE = (
    "get:versailles",
    "list",
    "get:mont",
    "create",
    "list:region",
    "get:unknown",
    "get:versailles",
    "create",
    "list:region",
    "delete:unknown",
    "get:mont",
    "create:invalid",
    "list:region",
    "get:versailles",
    "create",
    "list",
    "get:unknown",
    "list:region",
    "get:mont",
    "delete:unknown",
)

INVALID_CASTLES: tuple[dict[str, Any], ...] = (
    {"name": "Château trop vieux", "region": "Bretagne", "yearBuilt": 999},
    {"region": "Bretagne", "yearBuilt": 1500},
    {"name": "Château", "region": "Bretagne", "yearBuilt": "1500"},
    {"name": "", "region": "Occitanie", "yearBuilt": 1400},
)

#: Response headers kept in a recording (Entente's recorder drops transport headers).
RECORDED_RESPONSE_HEADERS = frozenset({"content-type", "location", "allow"})


@dataclass(frozen=True)
class Planned:
    """One request of the workload."""

    index: int
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


def unknown_id(index: int) -> str:
    """A well-formed UUID no castle has (the seed ids and uuid4 ids never look like it)."""
    return f"00000000-0000-4000-8000-{index:012d}"


def planned(count: int) -> list[Planned]:
    """``count`` distinct requests, in the order a client makes them (see the module)."""
    requests: list[Planned] = []
    for index in range(count):
        slot = CYCLE[index % len(CYCLE)]
        turn = index // len(CYCLE)
        headers = {"accept": "application/json", "x-request-id": f"bench-{index:06d}"}
        method, path = "GET", "/castles"
        query: dict[str, list[str]] = {}
        body: Any = None
        if slot == "get:versailles":
            path = f"/castles/{VERSAILLES}"
        elif slot == "get:mont":
            path = f"/castles/{MONT}"
        elif slot == "get:unknown":
            path = f"/castles/{unknown_id(index)}"
        elif slot == "delete:unknown":
            method, path = "DELETE", f"/castles/{unknown_id(index)}"
        elif slot == "list:region":
            query = {"region": [REGIONS[(index + turn) % len(REGIONS)]]}
        elif slot == "create":
            method = "POST"
            body = {
                "name": f"Château n°{index}",
                "region": NEW_REGIONS[index % len(NEW_REGIONS)],
                "yearBuilt": 1000 + (index * 37) % 1100,
            }
            if index % 2:
                body["description"] = f"Castle number {index} of the benchmark."
        elif slot == "create:invalid":
            method = "POST"
            body = dict(INVALID_CASTLES[turn % len(INVALID_CASTLES)])
        if body is not None:
            headers["content-type"] = "application/json"
        requests.append(Planned(index, method, path, query, headers, body))
    return requests


def record(base_url: str, spec: Spec, requests: list[Planned]) -> list[Interaction]:
    """Send each request to the real provider once and keep what it answered, as a consumer's
    recording would (lower-case headers, JSON bodies parsed, transport headers left out)."""
    interactions: list[Interaction] = []
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        for request in requests:
            started = time.perf_counter()
            answer = client.request(
                request.method,
                request.path,
                params=[(k, v) for k, values in request.query.items() for v in values],
                headers=request.headers,
                json=request.body,
            )
            elapsed_ms = (time.perf_counter() - started) * 1000
            match = spec.match(request.method, request.path)
            if match.operation is None:
                raise RuntimeError(
                    f"{request.method} {request.path}: the castle spec documents no operation "
                    "for this benchmark request; fix `planned` in tests/benchmarks/"
                    "verify_workload.py"
                )
            operation = match.operation
            headers = {
                k.lower(): v
                for k, v in answer.headers.items()
                if k.lower() in RECORDED_RESPONSE_HEADERS
            }
            interactions.append(
                Interaction(
                    consumer=CONSUMER,
                    consumer_version=CONSUMER_VERSION,
                    provider=PROVIDER,
                    provider_version=PROVIDER_VERSION,
                    operation_id=operation.operation_id,
                    request=HttpRequest(
                        method=request.method,
                        path=request.path,
                        query=request.query,
                        headers=request.headers,
                        body=request.body,
                    ),
                    response=HttpResponse(
                        status=answer.status_code, headers=headers, body=decode_body(answer)
                    ),
                    duration_ms=elapsed_ms,
                    test_id=f"tests/test_castle_client.py::test_{operation.operation_id}"
                    f"[{request.index}]",
                    match=MatchContext(
                        operation_id=operation.operation_id,
                        path_template=operation.path,
                        path_params=match.path_params,
                        source="provider",
                    ),
                ).with_hash()
            )
    return interactions


def statuses(interactions: list[Interaction]) -> dict[str, int]:
    """How many interactions of each ``operationId status`` the workload has."""
    counts: dict[str, int] = {}
    for interaction in interactions:
        key = f"{interaction.operation_id} {interaction.response.status}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
