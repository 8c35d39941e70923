"""What every broker handler needs: the settings, the engine and the facts cache, held on
the app's state (one per process)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from .facts_db import FactsCache
from .settings import BrokerSettings


@dataclass(frozen=True)
class BrokerContext:
    settings: BrokerSettings
    engine: Engine
    facts: FactsCache


def _context(request: Request) -> BrokerContext:
    found: BrokerContext = request.app.state.broker
    return found


Ctx = Annotated[BrokerContext, Depends(_context)]
