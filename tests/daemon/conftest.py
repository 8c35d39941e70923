"""Real daemons in subprocesses, each with its own temporary Entente home."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from entente_daemon.client import DaemonClient, RunPaths, RuntimeInfo
from entente_daemon.client.lifecycle import start_daemon, stop_daemon
from entente_daemon.client.runtime import lock_held, lock_holder_pid, read_runtime_info
from entente_daemon.model import HttpRequest, HttpResponse, Interaction


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "it") -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def interaction(n: int, *, consumer: str = "castle-client", **fields: object) -> Interaction:
    values: dict[str, object] = {
        "consumer": consumer,
        "consumer_version": "1.0.0",
        "provider": "castle-service",
        "provider_version": "2.0.0",
        "operation_id": "getCastle",
        "request": HttpRequest(method="GET", path=f"/castles/{n}"),
        "response": HttpResponse(status=200, body={"id": n, "name": f"castle {n}"}),
    }
    values.update(fields)
    return Interaction.model_validate(values)


def env_for(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ENTENTE_HOME"] = str(home)
    return env


def run_module(
    module: str, home: Path, args: tuple[str, ...], *, cwd: Path | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` for this home, in the folder ``cwd`` (default: here)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def daemon_cli(
    home: Path, *args: str, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``entente-daemon ARGS``."""
    return run_module("entente_daemon.cli.daemon_main", home, args, cwd=cwd, timeout=timeout)


def entente_cli(
    home: Path, *args: str, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``entente ARGS``."""
    return run_module("entente_daemon.cli", home, args, cwd=cwd, timeout=timeout)


class Daemon:
    """A daemon for one home: start, stop, kill, and clients for it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.paths = RunPaths(home)

    def start(self, *extra: str, tcp: bool = False) -> RuntimeInfo:
        return start_daemon(self.home, tcp=tcp, timeout=30, extra_args=extra).info

    def stop(self) -> None:
        stop_daemon(self.home, timeout=20, force=True)

    @property
    def info(self) -> RuntimeInfo:
        info = read_runtime_info(self.paths)
        assert info is not None, "the daemon wrote no runtime file"
        return info

    def client(self) -> DaemonClient:
        return DaemonClient.connect(self.home)

    def http(self) -> httpx.Client:
        """Raw HTTP over the socket (for what the typed client does not send)."""
        return httpx.Client(
            transport=httpx.HTTPTransport(uds=str(self.paths.socket)),
            base_url="http://entente-daemon",
            timeout=30,
        )

    def kill(self) -> int:
        """SIGKILL the daemon and wait until the kernel has released its lock."""
        pid = lock_holder_pid(self.paths)
        assert pid is not None, "no daemon to kill"
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not lock_held(self.paths), what="the killed daemon's lock to go")
        return pid

    def ensure_gone(self) -> None:
        if lock_held(self.paths):
            try:
                self.stop()
            except Exception:
                pid = lock_holder_pid(self.paths)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture
def daemon(home: Path) -> Iterator[Daemon]:
    """A daemon handle for this test's home (not started); always stopped afterwards."""
    handle = Daemon(home)
    try:
        yield handle
    finally:
        handle.ensure_gone()


@pytest.fixture(scope="module")
def shared_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One running daemon for a module's tests that do not need their own."""
    handle = Daemon(tmp_path_factory.mktemp("shared") / "h")
    handle.start("--queue-size", "100000")
    try:
        yield handle
    finally:
        handle.ensure_gone()
