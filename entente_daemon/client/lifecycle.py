"""Starting and stopping the daemon from outside (``entente-daemon start`` and ``stop``;
the TUI may call these too). Imports no server code.

"Is a daemon running" is decided by the lock the daemon holds (`lock_held`), never by a
pid alone: a dead daemon's pid may be reused or linger as a zombie.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from entente_daemon.client.endpoint import find_endpoint
from entente_daemon.client.errors import DaemonError
from entente_daemon.client.logs import tail
from entente_daemon.client.rundir import clean_stale, prepare_run_dir
from entente_daemon.client.runtime import (
    RunPaths,
    RuntimeInfo,
    lock_held,
    lock_holder_pid,
    pid_alive,
    read_runtime_info,
)
from entente_daemon.client.sync import DaemonClient
from entente_daemon.errors import EntenteError
from entente_daemon.home import HOME_ENV

START_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0
_POLL = 0.05
LOG_TAIL = 20


class DaemonStartError(EntenteError):
    """The daemon did not come up."""


class DaemonStopError(EntenteError):
    """The daemon did not stop."""


@dataclass(frozen=True)
class StartResult:
    info: RuntimeInfo
    started: bool  # False: one was running already
    cleaned_stale: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class StopResult:
    pid: int | None  # None: none was running
    forced: bool = False
    cleaned_stale: bool = False
    seconds: float = 0.0


def answering(paths: RunPaths) -> RuntimeInfo | None:
    """The running daemon's info when it holds the lock and answers on its socket."""
    endpoint = find_endpoint(paths.home, check=False)
    if endpoint is None or endpoint.info is None:
        return None
    client = DaemonClient(endpoint, timeout=5.0)
    try:
        health = client.health()
    except DaemonError:
        return None
    finally:
        client.close()
    return endpoint.info if health.ok else None


def _log_tail(paths: RunPaths) -> str:
    lines = tail(paths.log, LOG_TAIL)
    if not lines:
        return f"(nothing in {paths.log})"
    return f"last lines of {paths.log}:\n" + "\n".join(f"  {line}" for line in lines)


def daemon_command(*, tcp: bool = False, extra: tuple[str, ...] = ()) -> list[str]:
    command = [sys.executable, "-m", "entente_daemon.cli.daemon_main", "run"]
    if tcp:
        command.append("--tcp")
    return [*command, *extra]


def start_daemon(
    home: Path | None = None,
    *,
    tcp: bool = False,
    timeout: float = START_TIMEOUT,
    extra_args: tuple[str, ...] = (),
) -> StartResult:
    """Start the daemon in the background, or find the one running; return once it answers.

    `DaemonStartError` (with the log's last lines) when it exits or stays silent past
    ``timeout`` seconds."""
    began = time.monotonic()
    paths = RunPaths.for_home(home)
    running = answering(paths)
    if running is not None:
        return StartResult(running, started=False)
    if lock_held(paths):
        # Starting or stopping right now: wait for it to answer rather than race it.
        info = _wait_until_answering(paths, None, began + timeout)
        if info is not None:
            return StartResult(info, started=False, seconds=time.monotonic() - began)
        holder = lock_holder_pid(paths)
        if holder is not None:
            raise DaemonStartError(
                f"a daemon (pid {holder}) holds {paths.lock} but does not answer on "
                f"{paths.socket}; `entente-daemon stop --force` ends it. {_log_tail(paths)}"
            )
    try:
        prepare_run_dir(paths)
    except EntenteError as exc:
        raise DaemonStartError(str(exc)) from None
    cleaned = clean_stale(paths)
    pid = _launch(paths, daemon_command(tcp=tcp, extra=extra_args))
    info = _wait_until_answering(paths, pid, began + timeout)
    if info is None:
        if pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            raise DaemonStartError(
                f"the daemon (pid {pid}) did not answer within {timeout:g}s and was stopped; "
                + _log_tail(paths)
            )
        # It exited: lost a race to another daemon, or failed.
        other = answering(paths)
        if other is not None:
            return StartResult(other, started=False, seconds=time.monotonic() - began)
        raise DaemonStartError(f"the daemon exited during start-up; {_log_tail(paths)}")
    if info.pid != pid:
        _wait_for_loser(pid, began + timeout)
    return StartResult(
        info, started=info.pid == pid, cleaned_stale=cleaned, seconds=time.monotonic() - began
    )


def _wait_for_loser(pid: int, deadline: float) -> None:
    """Another daemon won a start race; ours exits once it finds the lock taken. Wait for
    that, so that ours cannot take the lock later, when the winner stops."""
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(_POLL)
    if pid_alive(pid):
        _signal(pid, signal.SIGTERM)


def _launch(paths: RunPaths, command: list[str]) -> int:
    env = dict(os.environ)
    env[HOME_ENV] = str(paths.home)
    launcher = [sys.executable, "-m", "entente_daemon.daemon.process.launch", str(paths.log), "--"]
    done = subprocess.run(
        [*launcher, *command],
        cwd=paths.home,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip().isdigit():
        raise DaemonStartError(
            f"could not launch the daemon ({' '.join(command)}): {done.stderr.strip()}"
        )
    return int(done.stdout.strip())


def _wait_until_answering(paths: RunPaths, pid: int | None, deadline: float) -> RuntimeInfo | None:
    """Poll until the daemon answers (then its info), or ``pid`` died, or the deadline."""
    while time.monotonic() < deadline:
        info = answering(paths)
        if info is not None:
            return info
        if pid is not None and not pid_alive(pid):
            return None
        if pid is None and not lock_held(paths):
            return None
        time.sleep(_POLL)
    return None


def stop_daemon(
    home: Path | None = None, *, timeout: float = STOP_TIMEOUT, force: bool = False
) -> StopResult:
    """SIGTERM the running daemon and wait until it has let go of its lock (its services
    stopped, the store flushed and closed). ``force``: SIGKILL it if ``timeout`` passes.
    `DaemonStopError` when it is still running after the deadline."""
    began = time.monotonic()
    paths = RunPaths.for_home(home)
    pid = lock_holder_pid(paths)
    if pid is None:
        info = read_runtime_info(paths)
        pid = info.pid if info is not None and lock_held(paths) else None
    if pid is None:
        return StopResult(None, cleaned_stale=clean_stale(paths))
    _signal(pid, signal.SIGTERM)
    if _wait_unlocked(paths, time.monotonic() + timeout):
        return StopResult(pid, seconds=time.monotonic() - began)
    if not force:
        raise DaemonStopError(
            f"the daemon (pid {pid}) is still running {timeout:g}s after SIGTERM; "
            f"`entente-daemon stop --force` kills it. {_log_tail(paths)}"
        )
    _signal(pid, signal.SIGKILL)
    if not _wait_unlocked(paths, time.monotonic() + 10.0):
        raise DaemonStopError(f"the daemon (pid {pid}) survived SIGKILL")
    clean_stale(paths)
    return StopResult(pid, forced=True, seconds=time.monotonic() - began)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_unlocked(paths: RunPaths, deadline: float) -> bool:
    while lock_held(paths):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    return True
