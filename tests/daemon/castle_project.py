"""A temporary copy of the castle example (the castle-client project and the castle service's
spec) for tests and benchmarks of daemon-hosted mocks, and waiting on the daemon's events.

No pytest here: the reload benchmark uses it too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from entente_daemon.client import DaemonClient
from entente_daemon.model import Event
from tests.child_pytest import child_pytest_env

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class CastleProject:
    config: Path  # the copied castle-client/entente.toml
    spec: Path  # the copied castle-service/openapi.yaml
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_spec(self, text: str) -> None:
        """Save the spec as an editor would: a new file renamed over the old one."""
        write_atomically(self.spec, text)


def write_atomically(file: Path, text: str) -> None:
    partial = file.with_name(f".{file.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, file)


def castle_project(
    root: Path, *, port: int | None = None, spec_text: str | None = None
) -> CastleProject:
    """Copy the castle example under ``root``, the mock on ``port`` (default a free one)."""
    client = root / "castle-client"
    shutil.copytree(
        EXAMPLES / "castle-client",
        client,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"),
    )
    service = root / "castle-service"
    service.mkdir()
    spec = service / "openapi.yaml"
    if spec_text is None:
        shutil.copyfile(EXAMPLES / "castle-service" / "openapi.yaml", spec)
    else:
        spec.write_text(spec_text, encoding="utf-8")
    chosen = free_port() if port is None else port
    config = client / "entente.toml"
    text = config.read_text(encoding="utf-8")
    assert "port = 4001" in text, "the castle-client example changed: update this helper"
    config.write_text(text.replace("port = 4001", f"port = {chosen}"), encoding="utf-8")
    return CastleProject(config=config, spec=spec, port=chosen)


def run_castle_tests(
    project_dir: Path, home: Path, *args: str, run_id: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The castle client's own pytest run in ``project_dir`` (a copy), reporting to and
    recording through the daemon of ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CI"))}
    env["ENTENTE_HOME"] = str(home)
    if run_id is not None:
        env["ENTENTE_RUN_ID"] = run_id
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project_dir,
        env=child_pytest_env(env),
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def last_seq(client: DaemonClient) -> int:
    return client.events_since(0, 1).last_seq


def wait_for_event(
    client: DaemonClient,
    since: int,
    matches: Callable[[Event], bool],
    *,
    timeout: float = 20.0,
    what: str = "an event",
) -> Event:
    """The first event after ``since`` that ``matches``; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while True:
        page = client.events_since(since, 500)
        for event in page.events:
            if matches(event):
                return event
            seen.append(f"{event.kind}: {event.payload}")
        if page.events:
            since = page.events[-1].seq
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout}s; saw {seen[-10:]}")
        time.sleep(0.02)  # polling a condition with a deadline, not synchronisation


def is_event(kind: str, **payload: object) -> Callable[[Event], bool]:
    def matches(event: Event) -> bool:
        return event.kind == kind and all(event.payload.get(k) == v for k, v in payload.items())

    return matches
