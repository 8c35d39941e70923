"""The answers a mock's server makes itself when a request breaks a `ServerLimits` limit,
before the engine sees it: in the mock's problem format (``application/problem+json``, as
its ``400`` for an invalid request), each saying which limit and how to raise it.

They are not recorded: the request is not whole (or not wanted whole), so there is nothing
to record but the refusal.
"""

from __future__ import annotations

from entente_daemon.config import ServerLimits
from entente_daemon.mock.answer.problem import problem_response
from entente_daemon.mock.messages import MockResponse

_CLOSE = (("connection", "close"),)


def headers_too_large(limits: ServerLimits, *, count: int | None = None) -> MockResponse:
    if count is not None:
        detail = (
            f"the request has more than {limits.max_headers} header lines; raise "
            "max_headers under [limits] in entente.toml (or --max-headers)"
        )
    else:
        detail = (
            f"the request line and headers exceed {limits.max_header_bytes} bytes; raise "
            "max_header_bytes under [limits] in entente.toml (or --max-header-bytes)"
        )
    response, _ = problem_response(
        "headers-too-large", 431, detail, headers=_CLOSE, title="Request headers too large"
    )
    return response


def body_too_large(limits: ServerLimits, size: int | None = None) -> MockResponse:
    said = f" (Content-Length: {size})" if size is not None else ""
    detail = (
        f"the request body exceeds {limits.max_body_bytes} bytes{said}; raise "
        "max_body_bytes under [limits] in entente.toml (or --max-body-bytes)"
    )
    response, _ = problem_response(
        "body-too-large", 413, detail, headers=_CLOSE, title="Request body too large"
    )
    return response


def too_slow(limits: ServerLimits) -> MockResponse:
    detail = (
        f"the request did not arrive whole within {limits.request_timeout:g}s of its first "
        "byte; raise request_timeout under [limits] in entente.toml (or --request-timeout)"
    )
    response, _ = problem_response(
        "request-timeout", 408, detail, headers=_CLOSE, title="Request timeout"
    )
    return response


def too_many_connections(limits: ServerLimits) -> MockResponse:
    detail = (
        f"more than {limits.max_connections} connections are open and none was idle: this "
        "one, the longest in the middle of sending a request, was closed to make room; raise "
        "max_connections under [limits] in entente.toml (or --max-connections)"
    )
    response, _ = problem_response(
        "too-many-connections", 503, detail, headers=_CLOSE, title="Too many connections"
    )
    return response
