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


def _refusal(kind: str, status: int, title: str, what: str, setting: str) -> MockResponse:
    """A refusal saying ``what`` went over, and which setting (and option) raises it."""
    flag = "--" + setting.replace("_", "-")
    detail = f"{what}; raise {setting} under [limits] in entente.toml (or {flag})"
    response, _ = problem_response(kind, status, detail, headers=_CLOSE, title=title)
    return response


def headers_too_large(limits: ServerLimits, *, count: int | None = None) -> MockResponse:
    if count is not None:
        what = f"the request has more than {limits.max_headers} header lines"
        setting = "max_headers"
    else:
        what = f"the request line and headers exceed {limits.max_header_bytes} bytes"
        setting = "max_header_bytes"
    return _refusal("headers-too-large", 431, "Request headers too large", what, setting)


def body_too_large(limits: ServerLimits, size: int | None = None) -> MockResponse:
    said = f" (Content-Length: {size})" if size is not None else ""
    what = f"the request body exceeds {limits.max_body_bytes} bytes{said}"
    return _refusal("body-too-large", 413, "Request body too large", what, "max_body_bytes")


def too_slow(limits: ServerLimits) -> MockResponse:
    what = f"the request did not arrive whole within {limits.request_timeout:g}s of its first byte"
    return _refusal("request-timeout", 408, "Request timeout", what, "request_timeout")


def too_many_connections(limits: ServerLimits) -> MockResponse:
    what = (
        f"more than {limits.max_connections} connections are open and none was idle: this "
        "one, the longest in the middle of sending a request, was closed to make room"
    )
    return _refusal("too-many-connections", 503, "Too many connections", what, "max_connections")
