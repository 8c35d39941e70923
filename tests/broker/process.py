"""A real broker process for tests: `entente broker serve --port 0`, its URL read from what
it prints, and keys of each scope made in its database beforehand."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from entente_daemon.broker.database import migrate, open_engine
from entente_daemon.broker.keys import Scope, create_key
from entente_daemon.client.broker_api import BrokerClient

STARTUP = 60.0


@dataclass
class BrokerProcess:
    database: str
    home: Path
    extra: list[str] = field(default_factory=list)
    url: str = ""
    keys: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)
    _engine: Engine | None = None
    _reader: threading.Thread | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_engine(self.database)
        return self._engine

    def make_keys(self) -> None:
        migrate(self.engine)
        for scope in Scope:
            self.keys[scope.value] = create_key(self.engine, f"{scope.value}-key", scope)

    def client(self, scope: str = "write") -> BrokerClient:
        return BrokerClient(self.url, self.keys.get(scope, scope))

    def start(self) -> None:
        env = {**os.environ, "ENTENTE_HOME": str(self.home), "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "entente_daemon.cli", "broker", "serve", "--port", "0"]
        self.process = subprocess.Popen(
            [*command, "--database", self.database, *self.extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        found: queue.Queue[str] = queue.Queue()
        self.lines = []

        def read() -> None:
            assert self.process is not None
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line)
                if "serving on" in line:
                    found.put(line.rsplit(" ", 1)[1].strip())

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        try:
            self.url = found.get(timeout=STARTUP)
        except queue.Empty:
            self.stop()
            raise RuntimeError("the broker did not start:\n" + "".join(self.lines)) from None
        deadline = time.monotonic() + STARTUP
        with BrokerClient(self.url, None) as probe:
            while True:
                try:
                    probe.health()
                    return
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

    def kill(self) -> None:
        """``kill -9``: no clean-up of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._close_pipe()

    def _close_pipe(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=10)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self._close_pipe()
        if self._engine is not None:
            self._engine.dispose()

    def output(self) -> str:
        return "".join(self.lines)
