"""Verifications the daemon starts itself (``POST /v1/verify``): ``entente verify`` run as a
subprocess in a provider project's folder, in the background.

The project folder is the process's working directory (``entente verify`` finds the
project's config there) but not on its module path: Python runs with ``-P``, so a module in
the project that shares a name with the standard library's or an installed package's (a
``json.py``) is never imported in its place. The state handlers configured are imported by
their ``module:attr`` alone (`verify.state_loading`). One verification per project runs at a
time: a second request while one runs is refused (`Conflict`, naming the running one).

The process reports through the verification-run endpoints like any ``entente verify`` (it
is given the id of a run reserved for it, ``--run-id``), so it shows live. Its output goes
to a log file in the daemon's ``run/verify/`` folder. A task waits for it: a process that ends
without having finished its run (a crash, a state-handler module that does not import, a
daemon refusing its report) finishes the run in state ``error``, with the log's tail.
Stopping the daemon stops the verifications it started: `VerifyLauncher.stop` terminates
them (``TERMINATE_GRACE`` seconds each, then a kill).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
from asyncio.subprocess import Process
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from entente_daemon.client.wire import VerificationLaunch
from entente_daemon.config import ProjectConfig, load_project_config
from entente_daemon.daemon.services.errors import Conflict, Failed, Invalid
from entente_daemon.daemon.services.verification_runs import Run, VerificationRuns
from entente_daemon.errors import ConfigError
from entente_daemon.model import HANDLER_REFERENCE

log = logging.getLogger("entente.daemon.verify")

LOGS_KEPT = 20  # verification logs kept in run/verify/
TAIL_BYTES = 4000  # of the log, in a crashed run's finished event
TERMINATE_GRACE = 5.0  # seconds a verification gets to stop when the daemon stops


class VerifyRequest(BaseModel):
    """The body of ``POST /v1/verify``; unset options default to the project's
    ``[provider]`` settings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    project: str = Field(min_length=1, max_length=4096)
    base_url: str | None = Field(default=None, max_length=2000)
    state_handlers: str | None = Field(default=None, max_length=500)
    on_missing: Literal["fail", "continue"] | None = None
    only_new: bool = False
    environment: str | None = Field(default=None, min_length=1, max_length=100)


@dataclass(frozen=True)
class VerifyPlan:
    """A checked request: the project, where its provider runs, and the command line."""

    config: ProjectConfig
    base_url: str
    options: tuple[str, ...]


def plan(request: VerifyRequest) -> VerifyPlan:
    """Check the request against the project (blocking: reads files, may ask git for the
    version); `Invalid` saying what to fix."""
    path = Path(request.project)
    if not path.is_absolute():
        raise Invalid(f"project {request.project!r}: the path must be absolute")
    if not path.exists():
        raise Invalid(f"project {request.project!r}: no such folder or file")
    try:
        config = load_project_config(path)
    except ConfigError as exc:
        raise Invalid(f"project {request.project!r}: {exc}") from None
    if config.provided_spec is None:
        raise Invalid(
            f"{config.file}: no [provider] table: the daemon verifies provider projects "
            "(add [provider] with the spec this service provides)",
        )
    base_url = request.base_url or config.provided_base_url
    if base_url is None:
        raise Invalid(
            f"no base_url given and {config.file} sets no [provider] base_url: say where "
            "the provider runs (http://127.0.0.1:8000)",
        )
    check_base_url(base_url)
    if request.state_handlers is not None and not HANDLER_REFERENCE.match(request.state_handlers):
        raise Invalid(
            f"state_handlers {request.state_handlers!r} is not a module:attribute reference "
            '(like "my_service.states:HANDLERS")',
        )
    options = ["--base-url", base_url]
    if request.state_handlers is not None:
        options += ["--state-handlers", request.state_handlers]
    if request.on_missing is not None:
        options += ["--on-missing", request.on_missing]
    if request.environment is not None:
        options += ["--environment", request.environment]
    if request.only_new:
        options.append("--only-new")
    return VerifyPlan(config, base_url, tuple(options))


def check_base_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed port or IPv6 address
        usable = False
    if not usable:
        raise Invalid(f"base_url {url!r} is not an http:// or https:// URL with a host")


class VerifyLauncher:
    """Starts verification processes and watches them until they end; `stop` ends those
    still running. ``home`` is the Entente home the processes report to (this daemon's);
    ``log_folder`` holds their logs."""

    name = "verification launcher"

    def __init__(self, runs: VerificationRuns, *, home: Path, log_folder: Path) -> None:
        self._runs = runs
        self._home = home
        self.log_folder = log_folder
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: dict[Path, Run] = {}  # config file → its verification running now

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        """Stop the verifications still running (each watcher task stops its process)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def launch(self, request: VerifyRequest) -> VerificationLaunch:
        """Start ``entente verify`` for the project, without waiting for it."""
        checked = await asyncio.to_thread(plan, request)
        config = checked.config
        self._refuse_a_second(config)
        run = self._runs.reserve(
            config.provided_name,
            config.version,
            request.environment or config.environment,
            str(config.file),
            checked.base_url,
        )
        self._running[config.file] = run  # before any await: a second request sees it
        log_file = self.log_folder / f"{run.info.id}.log"
        command = [
            sys.executable,
            "-P",  # the working directory (the project folder) is not on the module path
            "-m",
            "entente_daemon.cli",
            "verify",
            "--run-id",
            run.info.id,
            *checked.options,
        ]
        try:
            process = await self._spawn(command, config.root, log_file)
        except OSError as exc:
            self._runs.forget(run)
            del self._running[config.file]
            raise Failed(f"could not start `entente verify` in {config.root}: {exc}") from None
        run.info.pid, run.info.log = process.pid, str(log_file)
        log.info("verifying %s (pid %d, log %s)", config.provided_name, process.pid, log_file)
        task = asyncio.create_task(self._watch(run, process, log_file), name="verify-watch")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._release(config.file, run))
        return VerificationLaunch(
            run_id=run.info.id,
            pid=process.pid,
            log=str(log_file),
            project=str(config.file),
            provider=config.provided_name,
            base_url=checked.base_url,
        )

    def _refuse_a_second(self, config: ProjectConfig) -> None:
        """`Conflict` while a verification of this project runs: its process has not ended
        and its run is not finished (a process that reported its results and is exiting does
        not hold the next one back)."""
        running = self._running.get(config.file)
        if running is None or running.finished:
            return
        info = running.info
        pid = "" if info.pid is None else f", pid {info.pid}"
        raise Conflict(
            f"a verification of {config.file} is already running: run {info.id} "
            f"({info.provider} {info.provider_version}{pid}, started {info.started_at:%H:%M:%S}"
            f" UTC); wait for it to finish",
            detail={"run_id": info.id},
        )

    def _release(self, file: Path, run: Run) -> None:
        if self._running.get(file) is run:
            del self._running[file]

    async def _spawn(self, command: list[str], cwd: Path, log_file: Path) -> Process:
        out = await asyncio.to_thread(self._open_log, log_file)
        env = dict(os.environ)
        env["ENTENTE_HOME"] = str(self._home)  # report to this daemon
        python_path = absolute_entries(env.get("PYTHONPATH", ""))
        if python_path:
            env["PYTHONPATH"] = python_path
        else:
            env.pop("PYTHONPATH", None)
        try:
            return await asyncio.create_subprocess_exec(
                *command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the daemon's terminal is not for it
            )
        finally:
            out.close()  # the process has its own copy

    def _open_log(self, log_file: Path) -> BinaryIO:
        self.log_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _prune(self.log_folder, LOGS_KEPT - 1)
        return open(log_file, "wb")  # closed by the caller once the process has it

    async def _watch(self, run: Run, process: Process, log_file: Path) -> None:
        try:
            code = await process.wait()
        except asyncio.CancelledError:
            # The daemon stops: so do the verifications it started.
            await _stop(process)
            raise
        if run.finished or run.finishing:
            return
        tail = await asyncio.to_thread(log_tail, log_file)
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        log.warning("the verification process %d %s before it finished", process.pid, how)
        try:
            await self._runs.abandon(
                run,
                f"the verification process {how} before it finished (see {log_file})",
                log_tail=tail,
            )
        except Exception:
            log.exception("could not report the end of verification run %s", run.info.id)


def absolute_entries(python_path: str) -> str:
    """``PYTHONPATH`` without its empty and relative entries: those would put the working
    directory (the project folder) on the module path, which ``-P`` keeps off it."""
    kept = [entry for entry in python_path.split(os.pathsep) if os.path.isabs(entry)]
    return os.pathsep.join(kept)


async def _stop(process: Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), TERMINATE_GRACE)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def log_tail(file: Path, size: int = TAIL_BYTES) -> str:
    """The end of a log file (whole lines), or a word on why there is none."""
    try:
        with open(file, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            length = handle.tell()
            handle.seek(max(length - size, 0))
            data = handle.read()
    except OSError as exc:
        return f"(the log {file} cannot be read: {exc.strerror})"
    text = data.decode("utf-8", errors="replace")
    if length > size and "\n" in text:
        text = text.split("\n", 1)[1]
    return text.strip()


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the ``keep`` newest logs."""
    logs = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in logs[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
