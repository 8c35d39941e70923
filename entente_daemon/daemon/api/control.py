"""The control server: uvicorn serving the control API on the Unix socket, and optionally
on a random loopback TCP port.

A request's head (request line and headers) is capped (`head_limit`: 431 past
``max_head_bytes``), so that nobody makes the daemon hold headers before the guard has
checked who they are; the guard runs before any body is read (`framework.App`).

We bind the sockets ourselves: uvicorn would create the Unix socket world-writable (0666).
Ours is bound under umask 0o177 (so it is never more open than 0600, not even for an
instant) and then chmod-ed to 0600; it lives in the 0700 run folder besides.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

import uvicorn

from entente_daemon.daemon.api.framework import App
from entente_daemon.daemon.api.guard import RequestGuard
from entente_daemon.daemon.api.head_limit import DEFAULT_MAX_HEAD_BYTES, HeadLimitedProtocol

log = logging.getLogger("entente.daemon.control")

AppFactory = Callable[[RequestGuard], App]


def bind_unix_socket(path: Path) -> socket.socket:
    """A listening Unix socket at ``path`` with mode 0600 (any old file there is removed)."""
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        sock.bind(str(path))
    except OSError:
        sock.close()
        raise
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    sock.listen(128)
    sock.setblocking(False)
    return sock


def bind_loopback() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # loopback only, never 0.0.0.0
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


class _Listener:
    """One uvicorn server on one socket (its own app, so its own guard)."""

    def __init__(self, app: App, sock: socket.socket, grace: int, max_head_bytes: int) -> None:
        config = uvicorn.Config(
            app,
            http=HeadLimitedProtocol if _installed("httptools") else "h11",
            h11_max_incomplete_event_size=max_head_bytes,
            lifespan="off",
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,
            ws="none",
            timeout_graceful_shutdown=grace,
        )
        config.load()
        self.server = uvicorn.Server(config)
        self.server.lifespan = config.lifespan_class(config)
        self.sock = sock

    async def start(self) -> None:
        await self.server.startup(sockets=[self.sock])

    async def stop(self) -> None:
        if self.server.started:
            await self.server.shutdown(sockets=[self.sock])
        else:
            self.sock.close()


class ControlServer:
    name = "control API"

    def __init__(
        self,
        app_factory: AppFactory,
        socket_path: Path,
        *,
        tcp: bool = False,
        shutdown_grace: int = 5,
        max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES,
    ) -> None:
        self._factory = app_factory
        self.socket_path = socket_path
        self._tcp = tcp
        self._grace = shutdown_grace
        self._max_head = max_head_bytes
        self._listeners: list[_Listener] = []
        self.tcp_port: int | None = None
        self.token: str | None = None

    async def start(self) -> None:
        unix = bind_unix_socket(self.socket_path)
        self._listeners.append(
            _Listener(self._factory(RequestGuard("unix")), unix, self._grace, self._max_head)
        )
        if self._tcp:
            tcp = bind_loopback()
            self.tcp_port = int(tcp.getsockname()[1])
            self.token = secrets.token_urlsafe(32)
            guard = RequestGuard("tcp", port=self.tcp_port, token=self.token)
            self._listeners.append(
                _Listener(self._factory(guard), tcp, self._grace, self._max_head)
            )
        for listener in self._listeners:
            await listener.start()
        where = f"{self.socket_path}" + (
            f" and http://127.0.0.1:{self.tcp_port}" if self.tcp_port else ""
        )
        log.info("control API listening on %s", where)

    def _add(self, guard: RequestGuard, sock: socket.socket) -> None:
        self._listeners.append(_Listener(self._factory(guard), sock, self._grace, self._max_head))

    async def stop(self) -> None:
        listeners, self._listeners = self._listeners, []
        for listener in listeners:
            try:
                await listener.stop()
            except Exception:
                log.exception("stopping a control listener failed")
        self.socket_path.unlink(missing_ok=True)
