"""The castle-service example provider as a real process on 127.0.0.1, for the verification
benchmark: ``python -m castle_service --port N`` run from ``examples/castle-service``, as a
user starts it, and waited on until it answers HTTP (a deadline, no fixed sleep).

Every verification run gets a fresh process, so every tool replays against the same state:
the two seed castles and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.conformance.servers import free_port, running

ROOT = Path(__file__).resolve().parents[2]
SERVICE_DIR = ROOT / "examples" / "castle-service"
SPEC = SERVICE_DIR / "openapi.yaml"
START_DEADLINE = 30.0


def service_command(port: int) -> list[str]:
    return [sys.executable, "-m", "castle_service", "--port", str(port)]


@contextlib.contextmanager
def castle_service(log_dir: Path) -> Iterator[str]:
    """A fresh castle-service on a free port until the block ends; its base URL."""
    port = free_port()
    python_path = os.pathsep.join(filter(None, [str(SERVICE_DIR), os.environ.get("PYTHONPATH")]))
    with running(
        "castle-service",
        service_command(port),
        port,
        env={"PYTHONPATH": python_path},
        cwd=SERVICE_DIR,
        log_dir=log_dir,
        start_deadline=START_DEADLINE,
    ) as server:
        yield server.origin
