"""The daemon's log: ``daemon.log`` in the Entente home, rotated. Reading it back
(`tail`, `follow`) is the client's: `entente_daemon.client.logs`."""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3


def setup_logging(file: Path, *, level: int = logging.INFO, to_stderr: bool = False) -> None:
    """Send the daemon's log records (its own, the store's, uvicorn's) to ``file``."""
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)  # created owner-only before the handler opens it
    handlers: list[logging.Handler] = [
        RotatingFileHandler(file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    ]
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    formatter = logging.Formatter(LOG_FORMAT)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
