"""State handlers for verifying castle-service against what its consumers recorded: the
``[provider] state_handlers`` of ``../entente.toml``, so ``entente verify`` in this folder
finds them.

The handlers run in the verifier's process and the service in its own, so they prepare the
service through its public API, at ``$ENTENTE_PROVIDER_URL`` (``entente verify`` sets it to
the URL it verifies; default ``http://127.0.0.1:8000``). The data they make are the seed
castles (`SEED`: the spec's examples and the consumers' fixtures use their ids). A castle
that had to be made again gets a new id from the service; a handler hands it back, and the
verifier puts it in the replayed request instead of the recorded one.
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from castle_service.app import SEED

URL_ENV = "ENTENTE_PROVIDER_URL"
DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT = 10.0


def _service() -> httpx.Client:
    return httpx.Client(base_url=os.environ.get(URL_ENV, DEFAULT_URL), timeout=TIMEOUT)


def _ensure(http: httpx.Client, castle: dict[str, Any]) -> str:
    """The id under which ``castle`` exists in the service: its own, or that of an equal
    castle (same name and region), or a new one it is created under."""
    if http.get(f"/castles/{castle['id']}").status_code == 200:
        return str(castle["id"])
    listed = http.get("/castles")
    listed.raise_for_status()
    for found in listed.json():
        if (found["name"], found["region"]) == (castle["name"], castle["region"]):
            return str(found["id"])
    fields = {k: v for k, v in castle.items() if k != "id"}
    created = http.post("/castles", json=fields)
    created.raise_for_status()
    return str(created.json()["id"])


def catalogue_seeded() -> None:
    """listCastles: the catalogue is the seed castles, in their order, and nothing else (as
    the consumers were answered). Castles left by earlier runs (each ``createCastle`` adds
    one) are removed: the list a verification sees is the same however often it runs."""
    with _service() as http:
        listed = http.get("/castles")
        listed.raise_for_status()
        found = listed.json()
        if [(c["name"], c["region"]) for c in found] == [(c["name"], c["region"]) for c in SEED]:
            return
        for castle in found:
            http.delete(f"/castles/{castle['id']}").raise_for_status()
        for castle in SEED:
            _ensure(http, castle)


def castle_state(id: str, interaction: Any) -> dict[str, str] | None:  # noqa: A002 (the spec's parameter name)
    """getCastle, deleteCastle: the castle asked for exists, or does not when the consumer
    was answered 404. A castle that is not a seed castle is made from what the consumer
    was answered (or from the first seed castle)."""
    with _service() as http:
        if interaction.response.status == 404:
            if http.get(f"/castles/{id}").status_code == 200:
                http.delete(f"/castles/{id}").raise_for_status()
            return None
        seeds = {str(c["id"]): c for c in SEED}
        answered = interaction.response.body
        castle = seeds.get(id)
        if castle is None:
            model = answered if isinstance(answered, dict) and "name" in answered else SEED[0]
            castle = {**model, "id": id}
        found = _ensure(http, castle)
    return None if found == id else {"id": found}


def nothing_needed() -> None:
    """createCastle: any catalogue takes a new castle."""


#: operationId → handler (see `entente_daemon.verify.state` for how they are called).
HANDLERS = {
    "listCastles": catalogue_seeded,
    "getCastle": castle_state,
    "deleteCastle": castle_state,
    "createCastle": nothing_needed,
}
