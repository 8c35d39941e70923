"""The castle API as a raw ASGI 3 app: JSON in, JSON out, an in-memory catalogue.

Routes (``openapi.yaml``): ``GET/POST /castles`` (``?region=`` filters), ``GET/DELETE
/castles/{id}``. Unknown paths answer 404 and known paths with another method 405 (with
``Allow``), both as the spec's ``Error`` object. Only the standard library: no framework.

Variants (`VARIANTS`) are deliberately broken builds, one contract break each, so the
verifier's tests have a provider that really breaks the contract:

- ``field-removed``: castles lose ``region`` (a required field);
- ``optional-field-removed``: castles lose ``description`` (optional: only consumers notice);
- ``type-changed``: ``yearBuilt`` is sent as a string;
- ``wrong-status``: ``getCastle`` answers 202 instead of 200;
- ``wrong-content-type``: JSON bodies are labelled ``text/plain``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

VARIANTS: frozenset[str] = frozenset(
    {
        "field-removed",
        "optional-field-removed",
        "type-changed",
        "wrong-status",
        "wrong-content-type",
    }
)

#: The castles a fresh store holds (the spec's examples use the same ids).
SEED: tuple[dict[str, Any], ...] = (
    {
        "id": "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90",
        "name": "Château de Versailles",
        "region": "Île-de-France",
        "yearBuilt": 1623,
        "description": "Louis XIII's hunting lodge, made a palace by Louis XIV.",
    },
    {
        "id": "9b1d4e72-5c3a-4f08-b6e1-2a7c8d9f0e13",
        "name": "Mont Saint-Michel",
        "region": "Normandie",
        "yearBuilt": 1023,
    },
)

MAX_BODY = 1 << 20


class InvalidCastle(ValueError):
    """A castle that breaks the rules of ``CastleCreate``; the message says which."""


def check_castle(data: Any) -> dict[str, Any]:
    """The castle fields of a create request, checked as ``CastleCreate`` says."""
    if not isinstance(data, dict):
        raise InvalidCastle("the body must be a JSON object")
    name, region, year = data.get("name"), data.get("region"), data.get("yearBuilt")
    if not isinstance(name, str) or not name:
        raise InvalidCastle("name is required and must be a non-empty string")
    if not isinstance(region, str):
        raise InvalidCastle("region is required and must be a string")
    if not isinstance(year, int) or isinstance(year, bool):
        raise InvalidCastle("yearBuilt is required and must be an integer")
    if not 1000 <= year <= 2100:
        raise InvalidCastle("yearBuilt must be between 1000 and 2100")
    castle: dict[str, Any] = {"name": name, "region": region, "yearBuilt": year}
    if "description" in data:
        if not isinstance(data["description"], str):
            raise InvalidCastle("description must be a string")
        castle["description"] = data["description"]
    return castle


@dataclass
class CastleStore:
    """The catalogue, in insertion order. Not thread-safe: one event loop serves it."""

    castles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.castles:
            self.reset()

    def reset(self, castles: list[dict[str, Any]] | None = None) -> None:
        """Replace the catalogue: with ``castles`` (each needs an ``id``, else one is made),
        or with the seed castles when None. ``reset([])`` empties it."""
        self.castles = {}
        for castle in SEED if castles is None else castles:
            self.insert(dict(castle))

    def add_castle(
        self,
        name: str,
        region: str,
        year_built: int,
        description: str | None = None,
        *,
        castle_id: str | None = None,
    ) -> dict[str, Any]:
        """Store a castle (a state handler's "castle X exists") and return it."""
        castle: dict[str, Any] = {"name": name, "region": region, "yearBuilt": year_built}
        if description is not None:
            castle["description"] = description
        if castle_id is not None:
            castle["id"] = castle_id
        return dict(self.insert(castle))

    def insert(self, castle: dict[str, Any]) -> dict[str, Any]:
        """Store a castle given as the API spells it, with a new id unless it has one."""
        castle.setdefault("id", str(uuid.uuid4()))
        stored = {"id": castle.pop("id"), **castle}
        self.castles[stored["id"]] = stored
        return stored


Answer = tuple[int, Any, dict[str, str]]


class CastleApp:
    """The ASGI app. ``store`` is public so a state handler can prepare it directly."""

    def __init__(self, variant: str | None = None, store: CastleStore | None = None) -> None:
        if variant is not None and variant not in VARIANTS:
            raise ValueError(
                f"unknown castle-service variant {variant!r}; choose one of "
                + ", ".join(sorted(VARIANTS))
            )
        self.variant = variant
        self.store = store if store is not None else CastleStore()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        status, payload, headers = self.answer(
            scope["method"], scope["path"], scope.get("query_string", b""), body
        )
        await self._send(send, status, payload, headers)

    def answer(self, method: str, path: str, query: bytes, body: bytes) -> Answer:
        """The status, JSON payload (None for no body) and extra headers for a request."""
        parts = [p for p in path.split("/") if p]
        if parts == ["castles"]:
            if method == "GET":
                return self._list(parse_qs(query.decode("latin-1")).get("region"))
            if method == "POST":
                return self._create(body)
            return _not_allowed("GET, POST")
        if len(parts) == 2 and parts[0] == "castles":
            if method == "GET":
                return self._get(parts[1])
            if method == "DELETE":
                return self._delete(parts[1])
            return _not_allowed("GET, DELETE")
        return 404, _error("not_found", f"No route for {path}"), {}

    def _list(self, regions: list[str] | None) -> Answer:
        castles = list(self.store.castles.values())
        if regions:
            castles = [c for c in castles if c["region"] == regions[0]]
        return 200, [self._shown(c) for c in castles], {}

    def _create(self, body: bytes) -> Answer:
        try:
            castle = check_castle(json.loads(body or b"null"))
        except (ValueError, UnicodeDecodeError) as exc:
            message = str(exc) if isinstance(exc, InvalidCastle) else "the body is not JSON"
            return 400, _error("invalid_castle", message), {}
        stored = self.store.insert(castle)
        return 201, self._shown(stored), {"location": f"/castles/{stored['id']}"}

    def _get(self, castle_id: str) -> Answer:
        castle = self.store.castles.get(castle_id)
        if castle is None:
            return 404, _error("not_found", f"No castle with id {castle_id}"), {}
        return (202 if self.variant == "wrong-status" else 200), self._shown(castle), {}

    def _delete(self, castle_id: str) -> Answer:
        if self.store.castles.pop(castle_id, None) is None:
            return 404, _error("not_found", f"No castle with id {castle_id}"), {}
        return 204, None, {}

    def _shown(self, castle: dict[str, Any]) -> dict[str, Any]:
        """A castle as this build sends it (where the broken variants break)."""
        shown = dict(castle)
        if self.variant == "field-removed":
            shown.pop("region", None)
        elif self.variant == "optional-field-removed":
            shown.pop("description", None)
        elif self.variant == "type-changed":
            shown["yearBuilt"] = str(shown["yearBuilt"])
        return shown

    async def _send(self, send: Send, status: int, payload: Any, extra: dict[str, str]) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
        content = b""
        if payload is not None:
            content = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            kind = "text/plain" if self.variant == "wrong-content-type" else "application/json"
            headers.append((b"content-type", f"{kind}; charset=utf-8".encode()))
        headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _error(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": message}


def _not_allowed(allow: str) -> Answer:
    return 405, _error("method_not_allowed", f"Allowed methods: {allow}"), {"allow": allow}


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(variant: str | None = None, store: CastleStore | None = None) -> CastleApp:
    """A castle-service app: the good build, or a broken ``variant`` (see `VARIANTS`)."""
    return CastleApp(variant, store)


#: The default app, and module-level state handlers acting on its store.
app = create_app()


def reset(castles: list[dict[str, Any]] | None = None) -> None:
    """Reset the default app's catalogue (the seed castles when ``castles`` is None)."""
    app.store.reset(castles)


def add_castle(
    name: str,
    region: str,
    year_built: int,
    description: str | None = None,
    *,
    castle_id: str | None = None,
) -> dict[str, Any]:
    """Add a castle to the default app's catalogue and return it."""
    return app.store.add_castle(name, region, year_built, description, castle_id=castle_id)
