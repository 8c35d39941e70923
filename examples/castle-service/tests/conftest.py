"""castle-service served for real, on 127.0.0.1 and a port the OS picks, for the session.

Set ``CASTLE_SERVICE_VARIANT`` to one of ``castle_service.VARIANTS`` (``type-changed``,
``field-removed``...) to serve a deliberately broken build instead, and see what the contract
test says about it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from castle_service import create_app

VARIANT_ENV = "CASTLE_SERVICE_VARIANT"
START_TIMEOUT = 30.0


@pytest.fixture(scope="session")
def castle_service_url() -> Iterator[str]:
    """The base URL of the running service (uvicorn in a thread of this process)."""
    app = create_app(os.environ.get(VARIANT_ENV) or None)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="castle-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        thread.join(timeout=0.01)  # returns at once if the server died
        if not thread.is_alive():
            raise RuntimeError("castle-service stopped before it started listening")
        if time.monotonic() > deadline:
            raise RuntimeError(f"castle-service did not start within {START_TIMEOUT}s")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
