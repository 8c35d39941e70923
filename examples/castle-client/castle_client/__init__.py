"""A small client library for the castle service: the consumer of the Entente walkthrough."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["Castle", "CastleClient", "CastleNotFound"]


class CastleNotFound(LookupError):
    """The service has no castle with that id."""


@dataclass(frozen=True)
class Castle:
    id: str
    name: str
    region: str
    year_built: int
    description: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Castle:
        return cls(
            id=data["id"],
            name=data["name"],
            region=data["region"],
            year_built=data["yearBuilt"],
            description=data.get("description"),
        )


class CastleClient:
    """List, get, create and delete castles over HTTP."""

    def __init__(self, base_url: str, *, client: httpx.Client | None = None) -> None:
        self._http = client or httpx.Client(base_url=base_url, timeout=5.0)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CastleClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def list_castles(self, region: str | None = None) -> list[Castle]:
        params = {"region": region} if region else None
        response = self._http.get("/castles", params=params)
        response.raise_for_status()
        return [Castle.from_json(item) for item in response.json()]

    def get_castle(self, castle_id: str) -> Castle:
        response = self._http.get(f"/castles/{castle_id}")
        if response.status_code == 404:
            raise CastleNotFound(castle_id)
        response.raise_for_status()
        return Castle.from_json(response.json())

    def create_castle(
        self, name: str, region: str, year_built: int, description: str | None = None
    ) -> Castle:
        body: dict[str, Any] = {"name": name, "region": region, "yearBuilt": year_built}
        if description is not None:
            body["description"] = description
        response = self._http.post("/castles", json=body)
        response.raise_for_status()
        return Castle.from_json(response.json())

    def delete_castle(self, castle_id: str) -> None:
        response = self._http.delete(f"/castles/{castle_id}")
        if response.status_code == 404:
            raise CastleNotFound(castle_id)
        response.raise_for_status()
