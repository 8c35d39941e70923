"""Serving a mock app over HTTP with uvicorn: in the foreground (``entente mock``) or in a
background thread (`MockServer`, for tests and the daemon).

The listening socket is bound here, before uvicorn starts, so that port 0 works (the kernel
picks a free port and `MockServer.port` tells which) and connections made before uvicorn is
ready wait in the backlog instead of being refused.

A `MockApp` is served by Entente's own HTTP/1.1 protocol (`entente_daemon.mock.serving.direct`),
which answers each request as soon as it is parsed, without an ASGI server around the engine
(several times less work per request); any other ASGI app, or any app when httptools is
missing or ``ENTENTE_MOCK_SERVER=uvicorn`` is set, by uvicorn.

Secure by default: only loopback addresses are accepted unless ``allow_remote`` is given,
because a mock answers anyone who can reach it and records what they send.
"""

from __future__ import annotations

import errno
import gc
import ipaddress
import os
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

import uvicorn

from entente_daemon.config import ServerLimits
from entente_daemon.errors import EntenteError
from entente_daemon.mock.serving.app import MockApp
from entente_daemon.mock.serving.direct import DirectServer

DEFAULT_HOST = "127.0.0.1"
BACKLOG = 2048
#: ``ENTENTE_MOCK_SERVER=uvicorn`` serves mocks with uvicorn instead of Entente's protocol.
SERVER_ENV = "ENTENTE_MOCK_SERVER"


class ServeError(EntenteError):
    """The mock cannot listen where asked (a remote address refused, a port taken)."""


class PortInUse(ServeError):
    """The port is taken. The message says only that: what to do about it depends on where
    the port came from (a flag, a file's setting), which the caller adds."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"port {port} on {host} is already in use")
        self.host = host
        self.port = port


def direct(app: Any) -> bool:
    """Whether ``app`` is served by Entente's own protocol rather than uvicorn."""
    return (
        isinstance(app, MockApp)
        and os.environ.get(SERVER_ENV, "").strip().lower() != "uvicorn"
        and _installed("httptools")
    )


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def uvicorn_config(app: Any, *, log_level: str = "warning") -> uvicorn.Config:
    """The uvicorn configuration used for mocks: the fastest loop and parser installed, no
    access log (the CLI prints its own lines), no websockets, lifespan on. A `MockApp`'s
    limits apply where uvicorn has a setting for them (connections: 503 past the cap; the
    head's size with h11); the app itself refuses the rest (431, 413)."""
    limits = app.limits if isinstance(app, MockApp) else ServerLimits()
    return uvicorn.Config(
        app,
        loop="uvloop" if _installed("uvloop") else "asyncio",
        http="httptools" if _installed("httptools") else "h11",
        ws="none",
        lifespan="on",
        access_log=False,
        log_config=None,  # leave the process's logging alone
        log_level=log_level,
        server_header=False,
        proxy_headers=False,
        backlog=BACKLOG,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=5,
        limit_concurrency=limits.max_connections,
        h11_max_incomplete_event_size=limits.max_header_bytes,
    )


def check_host(host: str, allow_remote: bool = False) -> None:
    """Refuse a host that is not a loopback address unless ``allow_remote``."""
    if allow_remote:
        return
    if not is_loopback(host):
        raise ServeError(
            f"refusing to listen on {host}: it is not a loopback address, so anyone who can "
            "reach this machine could use the mock (and have their requests recorded). "
            f"Use --host {DEFAULT_HOST}, or pass --allow-remote if you mean it."
        )


def is_loopback(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(str(address).split("%", 1)[0]).is_loopback for address in addresses
    )


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(host, port) from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, telling when it listens (or has given up)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()


class MockServer:
    """Serves ``app`` from a background thread::

        with MockServer(MockApp(engine)) as server:
            httpx.get(server.url + "/castles")

    ``start`` returns once it serves (``port`` and ``url`` are known from then on);
    ``stop`` finishes the requests in flight, closes the app (which flushes the recorder)
    and returns once the thread has ended.
    """

    def __init__(
        self,
        app: Any,
        host: str = DEFAULT_HOST,
        port: int = 0,
        *,
        allow_remote: bool = False,
        log_level: str = "warning",
    ) -> None:
        check_host(host, allow_remote)
        self.app = app
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._sock: socket.socket | None = None
        self._server: _Server | None = None
        self._direct: DirectServer | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.url = ""
        self.port = 0

    def start(self, timeout: float = 30.0) -> MockServer:
        if self._thread is not None:
            raise RuntimeError("this MockServer was started already")
        sock = bind_socket(self.host, self._requested_port)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self.url = url_of(sock)
        if direct(self.app):
            return self._start_direct(sock, timeout)
        server = _Server(uvicorn_config(self.app, log_level=self._log_level))
        self._server = server
        self._thread = threading.Thread(
            target=self._serve, args=(server, sock), name=f"entente-mock-{self.port}", daemon=True
        )
        self._thread.start()
        if not server.ready.wait(timeout):
            self.stop()
            raise ServeError(f"the mock on {self.url} did not start within {timeout:g}s")
        if not server.started:
            self._thread.join(timeout)
            raise ServeError(f"the mock on {self.url} failed to start: {self._error!r}")
        return self

    def _start_direct(self, sock: socket.socket, timeout: float) -> MockServer:
        server = DirectServer(self.app, sock)
        self._direct = server
        self._thread = threading.Thread(
            target=self._serve_direct, args=(server, sock), name=f"entente-mock-{self.port}"
        )
        self._thread.daemon = True
        self._thread.start()
        if not server.serving.wait(timeout):
            self.stop()
            raise ServeError(f"the mock on {self.url} did not start within {timeout:g}s")
        if server.error is not None:
            self._thread.join(timeout)
            raise ServeError(f"the mock on {self.url} failed to start: {server.error!r}")
        return self

    def _serve_direct(self, server: DirectServer, sock: socket.socket) -> None:
        try:
            server.run()
        except BaseException as exc:
            self._error = exc
        finally:
            sock.close()

    def _serve(self, server: _Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # SystemExit from a failed lifespan startup included
            self._error = exc
        finally:
            server.ready.set()
            sock.close()

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful stop; idempotent."""
        if self._direct is not None and self._thread is not None:
            self._direct.stop()
            self._thread.join(timeout)
            return
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def tune_gc() -> None:
    """Keep the cyclic garbage collector from pausing a busy mock for tens of milliseconds.

    Recording keeps many long-lived objects (recent interactions, the store's tables); each
    full collection walks all of them, which showed as a p99 latency of 50-80 ms under load
    instead of under 5 ms. What exists at start is frozen out of collection, and full
    collections run less often; reference counting still frees almost everything at once.
    """
    gc.collect()
    gc.freeze()
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(max(gen0, 50_000), max(gen1, 20), 1_000)


def serve_forever(
    app: Any,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    allow_remote: bool = False,
    on_listening: Callable[[str], None] | None = None,
    log_level: str = "warning",
) -> None:
    """Serve ``app`` in this (main) thread until SIGINT or SIGTERM, then stop gracefully
    (requests in flight finish, the lifespan shutdown flushes the recorder) and return.

    ``on_listening(url)`` is called once the socket listens, before serving starts.
    """
    check_host(host, allow_remote)
    sock = bind_socket(host, port)
    if on_listening is not None:
        on_listening(url_of(sock))
    if direct(app):
        tune_gc()
        main_thread = threading.current_thread() is threading.main_thread()
        try:
            DirectServer(app, sock).run(handle_signals=main_thread)
        except KeyboardInterrupt:
            pass
        finally:
            sock.close()
        return
    server = uvicorn.Server(uvicorn_config(app, log_level=log_level))
    tune_gc()
    # uvicorn handles SIGINT/SIGTERM itself (a graceful stop), then re-raises the signal to
    # the handler that was there before: KeyboardInterrupt for SIGINT, and for SIGTERM ours,
    # so that the caller gets to print its summary instead of the process just ending.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if main_thread else None
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        sock.close()


class _Stopped(Exception):
    """SIGTERM arrived (after uvicorn's graceful shutdown, normally)."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stopped
