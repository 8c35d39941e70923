"""The port each hosted mock without a configured ``port`` got, remembered across daemon
restarts (``mock-ports.json`` in the Entente home), so that a consumer's mock stays where
its developer (or a tool pointed at it) found it. A remembered port that another process
took meanwhile is given up for a free one, which is then remembered."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from entente_daemon.daemon.process.files import write_private

log = logging.getLogger("entente.daemon.mocks")


class MockPorts:
    def __init__(self, file: Path | None) -> None:
        self._file = file
        self._ports: dict[str, int] | None = None  # read on first use

    @staticmethod
    def _key(project: Path, provider: str) -> str:
        return f"{project}#{provider}"

    def _all(self) -> dict[str, int]:
        if self._ports is None:
            self._ports = self._read()
        return self._ports

    def get(self, project: Path, provider: str) -> int | None:
        """The port the mock of ``provider`` for ``project`` had last, if any."""
        return self._all().get(self._key(project, provider))

    def remember(self, project: Path, provider: str, port: int) -> None:
        """Keep ``port`` for the mock (written at once when it changed)."""
        ports = self._all()
        key = self._key(project, provider)
        if ports.get(key) == port:
            return
        ports[key] = port
        if self._file is None:
            return
        try:
            text = json.dumps({"ports": dict(sorted(ports.items()))}, indent=2) + "\n"
            write_private(self._file, text)
        except OSError as exc:
            log.warning("%s: cannot remember the mocks' ports (%s)", self._file, exc)

    def _read(self) -> dict[str, int]:
        if self._file is None:
            return {}
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
            return {str(k): int(v) for k, v in data["ports"].items() if 0 < int(v) < 65536}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("%s: cannot read the mocks' ports (%s); starting afresh", self._file, exc)
            return {}
