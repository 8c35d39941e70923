"""Who may use the control API: local clients that are not browsers.

* Both transports: the ``Host`` must name this machine's loopback (``localhost``,
  ``127.0.0.1``, ``[::1]``, with the TCP port on TCP) or, on the socket, the placeholder
  host our clients send. A web page cannot set ``Host``, so DNS rebinding attacks fail.
* Both: a request carrying ``Origin`` (or a ``Sec-Fetch-*`` header) comes from a browser;
  our clients send neither. Refused with 403.
* TCP only: ``Authorization: Bearer <token>``, the token of ``run/token`` (0600), compared
  in constant time. The socket needs none: it is 0600 in a 0700 folder.
"""

from __future__ import annotations

import hmac
from typing import Literal

from entente_daemon.client.wire import SOCKET_HOST
from entente_daemon.daemon.api.framework import HttpError, Request

Transport = Literal["unix", "tcp"]
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def allowed_hosts(transport: Transport, port: int | None) -> frozenset[str]:
    if transport == "unix":
        return frozenset({SOCKET_HOST, *LOOPBACK_HOSTS})
    return frozenset(f"{host}:{port}" for host in LOOPBACK_HOSTS)


class RequestGuard:
    def __init__(self, transport: Transport, *, port: int | None = None, token: str | None = None):
        if transport == "tcp" and not token:
            raise ValueError("the TCP listener needs a token")
        self.transport: Transport = transport
        self._hosts = allowed_hosts(transport, port)
        self._token = token

    def __call__(self, request: Request) -> None:
        host = (request.header("host") or "").strip().lower()
        if host not in self._hosts:
            raise HttpError(
                403,
                f"refused: Host {host or '(none)'!r} is not this daemon "
                f"(expected one of {', '.join(sorted(self._hosts))})",
            )
        if request.header("origin") is not None or any(
            name.startswith("sec-fetch-") for name, _ in request.headers
        ):
            raise HttpError(403, "refused: requests from web browsers are not accepted")
        if self.transport == "tcp":
            self._check_token(request.header("authorization"))

    def _check_token(self, authorization: str | None) -> None:
        challenge = (("www-authenticate", 'Bearer realm="entente-daemon"'),)
        if authorization is None:
            raise HttpError(
                401,
                "missing Authorization: Bearer <token> (the token is in the daemon's run/token)",
                headers=challenge,
            )
        scheme, _, given = authorization.partition(" ")
        expected = self._token or ""
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode("utf-8"), expected.encode("utf-8")
        ):
            raise HttpError(401, "wrong token", headers=challenge)
