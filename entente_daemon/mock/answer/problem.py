"""``application/problem+json`` (RFC 9457) bodies for the answers the mock makes itself.

When the mock cannot answer from the spec (no such path, a method the path does not allow,
an invalid request, a ``Prefer`` it cannot honour, a bug) it says so in a problem document
whose ``detail`` names the operation and what to change, so that the consumer's developer
reads the fix in the failing test's output. Every problem type is a URL under
``https://entente.dev/problems/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from entente_daemon.mock.messages import Headers, MockResponse

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://entente.dev/problems/"

NO_SUCH_PATH = "no-such-path"
METHOD_NOT_ALLOWED = "method-not-allowed"
INVALID_REQUEST = "invalid-request"
INVALID_PREFER = "invalid-prefer"
NOT_ACCEPTABLE = "not-acceptable"
EXAMPLE_TOO_LARGE = "example-too-large"
MOCK_ERROR = "mock-error"

_TITLES = {
    NO_SUCH_PATH: "No such path",
    METHOD_NOT_ALLOWED: "Method not allowed",
    INVALID_REQUEST: "Invalid request",
    INVALID_PREFER: "Invalid Prefer header",
    NOT_ACCEPTABLE: "Not acceptable",
    EXAMPLE_TOO_LARGE: "Example too large to serve",
    MOCK_ERROR: "Mock error",
}


def problem_body(
    kind: str, status: int, detail: str, *, title: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The problem document: ``type``, ``title``, ``status``, ``detail``, then ``extra``."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind,
        "title": title or _TITLES.get(kind, kind),
        "status": status,
        "detail": detail,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    return body


def problem_response(
    kind: str,
    status: int,
    detail: str,
    *,
    headers: Headers = (),
    title: str | None = None,
    **extra: Any,
) -> tuple[MockResponse, dict[str, Any]]:
    """A problem answer and its body (the parsed form, for recording)."""
    body = problem_body(kind, status, detail, title=title, **extra)
    encoded = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return (
        MockResponse(status, (("content-type", PROBLEM_MEDIA_TYPE), *headers), encoded),
        body,
    )


def listing(items: Iterable[str], limit: int = 12) -> str:
    """``a, b, c`` (at most ``limit`` items, then ``and N more``), or ``none``."""
    values = list(items)
    if not values:
        return "none"
    shown = ", ".join(values[:limit])
    if len(values) > limit:
        shown += f" and {len(values) - limit} more"
    return shown


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def allow_header(methods: Sequence[str]) -> Headers:
    return (("allow", ", ".join(methods)),)
