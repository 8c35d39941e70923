"""A blocking HTTP transport over the daemon's Unix socket that closes what it opened.

httpcore's own backend (1.x) leaves the socket open when connecting fails, as it does when the
daemon has just gone away: Python then reports an unclosed socket later, from the garbage
collector, in whatever code happens to run (under pytest with warnings as errors, some other
test fails). This backend closes the socket before raising the same httpcore errors.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

import httpcore
import httpx
from httpcore._backends.base import SOCKET_OPTION
from httpcore._backends.sync import SyncStream  # the stream type httpcore's backend returns


class ClosingUnixBackend(httpcore.SyncBackend):
    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(timeout)
            sock.connect(path)
        except TimeoutError as exc:
            sock.close()
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:
            sock.close()
            raise httpcore.ConnectError(exc) from exc
        return SyncStream(sock)


def unix_transport(path: str) -> httpx.HTTPTransport:
    """``httpx.HTTPTransport(uds=path)`` with a connection pool on `ClosingUnixBackend`."""
    transport = httpx.HTTPTransport(uds=path)
    transport._pool = httpcore.ConnectionPool(uds=path, network_backend=ClosingUnixBackend())
    return transport
