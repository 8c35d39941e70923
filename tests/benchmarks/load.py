"""Load generation with wrk, and waiting for a server to go idle between measurements."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).resolve().parent / "mock_load.lua"
WRK_INSTALL_HINT = (
    "wrk (the HTTP load generator) is not installed. Debian/Ubuntu: `sudo apt-get install -y "
    "wrk`; macOS: `brew install wrk`; or build it from its GitHub repository (wg/wrk)."
)


@dataclass(frozen=True)
class Load:
    threads: int = 2
    connections: int = 16
    seconds: float = 10.0
    distinct_ids: int = 1000  # per thread


@dataclass(frozen=True)
class Measure:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    errors: int


def wrk_executable() -> str | None:
    return shutil.which("wrk")


def wrk_command(
    wrk: str, url_prefix: str, path_prefix: str, load: Load, headers: Sequence[str] = ()
) -> list[str]:
    """``wrk`` with the Lua script: GET ``path_prefix``<uuid> on ``url_prefix``."""
    return [
        wrk,
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{load.seconds:g}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA_SCRIPT),
        url_prefix,
        "--",
        path_prefix,
        str(load.distinct_ids),
        *headers,
    ]


def run_wrk(command: Sequence[str], timeout: float) -> Measure:
    done = subprocess.run(
        list(command), capture_output=True, text=True, timeout=timeout, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(
            f"wrk failed (exit {done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}"
        )
    data = json.loads(line.removeprefix("RESULT "))
    return Measure(
        requests=int(data["requests"]),
        seconds=float(data["seconds"]),
        rps=float(data["rps"]),
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        non2xx=int(data["non2xx"]),
        errors=int(data["errors"]),
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def wait_idle(pid: int, deadline_seconds: float = 60.0, quiet_seconds: float = 0.6) -> bool:
    """Wait until the process uses (almost) no CPU for ``quiet_seconds`` (e.g. a recorder
    still writing what a previous load left queued), so that it does not steal CPU from the
    next measurement. True when idle; False at the deadline or where /proc is missing."""
    if not Path(f"/proc/{pid}/stat").exists():
        return False
    deadline = time.monotonic() + deadline_seconds
    step = 0.2
    quiet_needed = max(1, round(quiet_seconds / step))
    quiet = 0
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(step)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now - last < 0.02 else 0
        last = now
        if quiet >= quiet_needed:
            return True
    return False
