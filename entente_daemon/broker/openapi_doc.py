"""The broker's own OpenAPI document, made from its routes and wire models. A copy is
checked in (`openapi.json` beside this module; ``python scripts/broker_openapi.py`` writes
it) and a test compares the two, so the published spec never drifts from the code; the
broker's client is contract-tested against that copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .context import BrokerContext
from .database import open_engine
from .facts_db import FactsCache
from .settings import BrokerSettings

CHECKED_IN = Path(__file__).parent / "openapi.json"


def document() -> dict[str, Any]:
    from .app import build_api

    engine = open_engine("sqlite://")  # never connected: the document needs no database
    context = BrokerContext(BrokerSettings(database="sqlite://"), engine, FactsCache(engine))
    made: dict[str, Any] = build_api(context).openapi()
    made["servers"] = [{"url": "http://127.0.0.1:8470", "description": "a local broker"}]
    return made


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def checked_in() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CHECKED_IN.read_text(encoding="utf-8"))
    return loaded
