"""Transport-neutral HTTP messages for the mock's answering engine.

The ASGI server and the in-process respx route both turn what they receive into a
`MockRequest`, ask the engine, and turn the `MockResponse` back into their own form, so that
both paths share one answering engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs

from entente_daemon.model import MatchContext

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MockRequest:
    """A request as received. ``path`` is the raw (still percent-encoded) path without the
    query; ``headers`` keep their order, with lower-case names."""

    method: str
    path: str
    query_string: str = ""
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]

    @cached_property
    def query(self) -> dict[str, list[str]]:
        """The query string parsed into lists of values, blank values kept."""
        return parse_qs(self.query_string, keep_blank_values=True)

    @property
    def content_type(self) -> str | None:
        return self.header("content-type")


@dataclass(frozen=True)
class MockResponse:
    status: int
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True)
class MockResult:
    """What the engine answered and why. ``request_body``/``response_body`` are the bodies
    already parsed (JSON value, text, or None), so that recording does not parse twice."""

    response: MockResponse
    match: MatchContext
    operation_id: str | None = None
    request_body: Any = None
    response_body: Any = None
    provider_state: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
