"""A recorded request as the CLI's tables show it: ``GET /castles?region=Loire``."""

from __future__ import annotations

from entente_daemon.model import HttpRequest


def request_line(request: HttpRequest) -> str:
    """Method, path and query string (each value of a repeated parameter in turn)."""
    pairs = (f"{name}={value}" for name, values in request.query.items() for value in values)
    query = "&".join(pairs)
    return f"{request.method.upper()} {request.path or '(any path)'}{'?' + query if query else ''}"
