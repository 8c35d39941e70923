"""Helpers for tests that talk to a real mock over HTTP: `entente mock` as a subprocess,
curl, and waiting on what a process prints (with a deadline, never a sleep)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
CASTLE = ROOT / "examples" / "castle-service" / "openapi.yaml"
VERSAILLES = "3f6c2b0e-8a51-4c1e-9d3a-6b2f7e4d1a90"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Lines:
    """The lines a pipe gives, collected by a thread; ``wait_for`` blocks until one contains
    a text (or the deadline passes)."""

    def __init__(self, pipe: IO[str]) -> None:
        self.lines: list[str] = []
        self.closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def _read(self, pipe: IO[str]) -> None:
        for line in pipe:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_for(self, text: str, timeout: float = START_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    raise AssertionError(f"no line with {text!r}; got:\n" + self.text)
                self._changed.wait(remaining)

    def join(self, timeout: float = 30.0) -> None:
        self._thread.join(timeout)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def entente_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "ENTENTE_HOME")}
    env["ENTENTE_HOME"] = str(home)
    env.update(extra)
    return env


@dataclass
class MockProcess:
    """``entente mock`` running as a user runs it."""

    process: subprocess.Popen[str]
    port: int
    stdout: Lines
    stderr: Lines
    url: str = field(init=False)

    def __post_init__(self) -> None:
        self.url = f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, *args: str, home: Path, cwd: Path, port: int | None = None) -> MockProcess:
        port = free_port() if port is None else port
        process = subprocess.Popen(
            [sys.executable, "-m", "entente_daemon.cli", "mock", *args, "--port", str(port)],
            cwd=cwd,
            env=entente_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        assert process.stderr is not None
        mock = cls(process, port, Lines(process.stdout), Lines(process.stderr))
        try:
            mock.wait_until_accepting()
        except BaseException:
            mock.kill()
            raise
        return mock

    def wait_until_accepting(self, timeout: float = START_TIMEOUT) -> None:
        """The banner is printed once the socket listens; then a connection must succeed."""
        try:
            self.stdout.wait_for("Ctrl-C stops.", timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nstderr:\n{self.stderr.text}") from None
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout):
            pass

    def stop(self, timeout: float = 30.0) -> int:
        """Ctrl-C, then the exit code once it has stopped gracefully."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout)
        self._close_pipes()
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)
        self._close_pipes()

    def _close_pipes(self) -> None:
        self.stdout.join()
        self.stderr.join()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


CURL = shutil.which("curl")


def curl(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    """One request with the curl binary (HTTP/1.1), its answer parsed."""
    assert CURL is not None
    command = [CURL, "-sS", "-i", "--max-time", "30", "-X", method]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if body is not None:
        command += ["--data-binary", "@-"]
    done = subprocess.run(command + [url], input=body, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    head, _, payload = done.stdout.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), parsed, payload)
