"""Start mock servers as real processes on 127.0.0.1 and wait until they accept connections.

Shared by the conformance tests and the mock benchmark (``tests/benchmarks/bench_mock.py``):
one place knows how to launch ``entente mock`` and Prism, how to tell that a server is up
(it answers an HTTP request, polled with a deadline while the process lives), and how to
stop it without leaving it behind.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
MOCK_COMMAND = Path(__file__).resolve().parents[2] / "entente_daemon" / "cli" / "mock_command.py"
PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_PREINSTALLED = Path("/tmp/prism/node_modules/.bin/prism")


class ServerDidNotStart(RuntimeError):
    """The server process exited, or did not accept connections before the deadline."""


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def answers_http(port: int, host: str = HOST) -> bool:
    """Whether an HTTP request to ``/`` gets a response (any status): a TCP connect alone
    is not enough, since a server may bind its socket before it is ready to answer."""
    connection = http.client.HTTPConnection(host, port, timeout=2.0)
    try:
        connection.request("GET", "/", headers={"Accept": "*/*"})
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


@dataclass
class Server:
    """A running server process; ``log`` holds its merged stdout and stderr."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    command: Sequence[str]

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def output(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def wait_until_serving(self, deadline_seconds: float) -> None:
        """Return once the server answers HTTP; raise if the process dies first or the
        deadline passes (polling at a short interval, not sleeping a fixed time)."""
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerDidNotStart(
                    f"{self.name} exited with {self.process.returncode} before serving on "
                    f"port {self.port}; command: {' '.join(self.command)}\n{self.output()}"
                )
            if answers_http(self.port):
                return
            time.sleep(0.05)
        raise ServerDidNotStart(
            f"{self.name} did not answer HTTP on port {self.port} within "
            f"{deadline_seconds:.0f} s; command: {' '.join(self.command)}\n{self.output()}"
        )

    def stop(self, grace_seconds: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within ``grace_seconds``."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=grace_seconds)


def entente_mock_command(
    spec: Path, port: int, *, record: bool, validate: bool = True, extra: Sequence[str] = ()
) -> list[str]:
    """``entente mock SPEC --port N --host 127.0.0.1 [--record|--no-record] [--no-validate]``,
    run with this interpreter (``python -m entente_daemon.cli``) so no PATH lookup is
    involved."""
    command = [sys.executable, "-m", "entente_daemon.cli", "mock", str(spec)]
    command += ["--port", str(port), "--host", HOST]
    command.append("--record" if record else "--no-record")
    if not validate:
        command.append("--no-validate")
    command += list(extra)
    return command


def has_entente_mock() -> bool:
    """Whether the ``entente mock`` command is part of this checkout."""
    return MOCK_COMMAND.is_file()


@contextlib.contextmanager
def running(
    name: str,
    command: Sequence[str],
    port: int,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log_dir: Path | None = None,
    start_deadline: float = 30.0,
) -> Iterator[Server]:
    """Run ``command`` (which must serve on ``port``) until the block ends. ``env`` adds to
    (or overrides) this process' environment; output goes to a log file in ``log_dir``."""
    directory = log_dir or Path(tempfile.mkdtemp(prefix="entente-server-"))
    log = directory / f"{name.replace(' ', '-')}-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            list(command),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env={**os.environ, **(env or {})},
        )
    server = Server(name, process, port, log, list(command))
    try:
        server.wait_until_serving(start_deadline)
        yield server
    finally:
        server.stop()


def prism_executable(cache_dir: Path | None = None, *, install: bool = True) -> Path:
    """Prism's launcher: the one preinstalled under /tmp/prism, else one installed before
    under ``cache_dir``, else (when ``install``) ``npm install --prefix cache_dir``."""
    if PRISM_PREINSTALLED.is_file():
        return PRISM_PREINSTALLED
    cache = cache_dir or Path.home() / ".cache" / "entente-bench" / "prism"
    launcher = cache / "node_modules" / ".bin" / "prism"
    if launcher.is_file():
        return launcher
    npm = shutil.which("npm")
    if not install or npm is None:
        raise FileNotFoundError(
            f"Prism is not installed (looked at {PRISM_PREINSTALLED} and {launcher}); install "
            f"Node.js and npm, then: npm install --prefix {cache} {PRISM_PACKAGE}"
        )
    cache.mkdir(parents=True, exist_ok=True)
    print(f"installing Prism: npm install --prefix {cache} {PRISM_PACKAGE}", file=sys.stderr)
    subprocess.run([npm, "install", "--prefix", str(cache), PRISM_PACKAGE], check=True)
    return launcher


def prism_command(
    prism: Path, spec: Path, port: int, *, dynamic: bool = False, extra: Sequence[str] = ()
) -> list[str]:
    command = [str(prism), "mock", "-h", HOST, "-p", str(port)]
    if dynamic:
        command.append("-d")
    return [*command, *extra, str(spec)]
