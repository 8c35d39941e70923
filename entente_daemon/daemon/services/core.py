"""What most services share: the store writer (the only code that writes the store) and the
event bus. Built once in `process.main` and handed to each service that needs them."""

from __future__ import annotations

from dataclasses import dataclass

from entente_daemon.daemon.services.bus import EventBus
from entente_daemon.daemon.services.store_writer import StoreWriter


@dataclass(frozen=True)
class Core:
    recorder: StoreWriter
    bus: EventBus
