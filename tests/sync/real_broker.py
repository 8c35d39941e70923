"""A real broker process (``entente broker serve``) on 127.0.0.1 for the sync's end-to-end
tests: SQLite in a private folder (or a PostgreSQL database given), a free port, keys made in
its database. It can be killed
(``kill -9``) and started again on the same database and port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from entente_daemon.broker.database import migrate, open_engine
from entente_daemon.broker.keys import Scope, create_key, revoke_key

_SERVING = re.compile(r"serving on (http://127\.0\.0\.1:(\d+))")


class RealBroker:
    def __init__(self, folder: Path, database: str | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.database = database or f"sqlite:///{folder / 'broker.db'}"
        self.url = ""
        self.port = 0
        self.process: subprocess.Popen[str] | None = None
        engine = open_engine(self.database)
        try:
            migrate(engine)
        finally:
            engine.dispose()

    def key(self, name: str, scope: Scope = Scope.WRITE) -> str:
        engine = open_engine(self.database)
        try:
            return create_key(engine, name, scope)
        finally:
            engine.dispose()

    def revoke(self, name: str) -> None:
        engine = open_engine(self.database)
        try:
            revoke_key(engine, name)
        finally:
            engine.dispose()

    def start(self, timeout: float = 60.0) -> str:
        """Serve (on the port it had before, if it ran); its URL once it answers."""
        command = [
            sys.executable,
            "-m",
            "entente_daemon.cli",
            "broker",
            "serve",
            "--port",
            str(self.port),
            "--database",
            self.database,
        ]
        with (self.folder / "broker.log").open("a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, text=True, env=dict(os.environ)
            )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        for line in self.process.stdout:  # it prints its URL once bound
            found = _SERVING.search(line)
            if found:
                self.url, self.port = found.group(1), int(found.group(2))
                break
            if time.monotonic() > deadline:
                raise AssertionError("the broker did not say where it serves")
        else:
            raise AssertionError(f"the broker exited: see {self.folder / 'broker.log'}")
        while True:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return self.url
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the broker did not answer its health check")
            time.sleep(0.05)  # polling a condition with a deadline

    def kill(self) -> None:
        """``kill -9``, and wait for the process to be gone."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
