"""Transport-neutral HTTP messages for the mock's answering engine.

The ASGI server and the in-process respx route both turn what they receive into a
`MockRequest`, ask the engine, and turn the `MockResponse` back into their own form, so that
both paths share one answering engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs

from entente_daemon.model import MatchContext

Headers = tuple[tuple[str, str], ...]
_TRANSFER_HEADERS = frozenset({b"content-length", b"transfer-encoding"})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BREAKS = re.compile(r"[\r\n\x00]+")


# The frozen dataclasses below write their fields straight into ``__dict__`` in their own
# ``__init__``: a frozen dataclass's generated one calls ``object.__setattr__`` per field,
# three times slower, and these are made on every mock request.


@dataclass(frozen=True, init=False)
class MockRequest:
    """A request as received. ``path`` is the raw (still percent-encoded) path without the
    query; ``headers`` keep their order, with lower-case names."""

    method: str
    path: str
    query_string: str = ""
    headers: Headers = ()
    body: bytes = b""

    def __init__(
        self,
        method: str,
        path: str,
        query_string: str = "",
        headers: Headers = (),
        body: bytes = b"",
    ) -> None:
        fields = self.__dict__
        fields["method"] = method
        fields["path"] = path
        fields["query_string"] = query_string
        fields["headers"] = headers
        fields["body"] = body

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


@dataclass(frozen=True, init=False)
class MockResponse:
    status: int
    headers: Headers = ()
    body: bytes = b""

    def __init__(self, status: int, headers: Headers = (), body: bytes = b"") -> None:
        fields = self.__dict__
        fields["status"] = status
        fields["headers"] = headers
        fields["body"] = body

    @cached_property
    def wire_headers(self) -> list[tuple[bytes, bytes]]:
        """The headers as a server sends them: lower-case names, latin-1 values (UTF-8 when
        they are not latin-1), ``content-length`` computed here (none for the statuses that
        have no body) and ``transfer-encoding`` left out. A header whose name is not an HTTP
        token is left out, and line breaks in a value become spaces (a fixture's headers
        could otherwise split the answer). Made once per response: the mock answers
        repeated requests with the same response object. Do not change the list."""
        encoded: list[tuple[bytes, bytes]] = []
        for name, value in self.headers:
            if not _TOKEN.fullmatch(name):
                continue
            raw_name = name.lower().encode("ascii")
            if raw_name in _TRANSFER_HEADERS:
                continue
            value = _BREAKS.sub(" ", value)
            try:
                raw_value = value.encode("latin-1")
            except UnicodeEncodeError:
                raw_value = value.encode("utf-8")
            encoded.append((raw_name, raw_value))
        if self.has_body:
            encoded.append((b"content-length", str(len(self.body)).encode("ascii")))
        return encoded

    @property
    def has_body(self) -> bool:
        """Whether the status has a body at all (not 1xx, 204 or 304)."""
        return self.status >= 200 and self.status not in (204, 304)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True, init=False)
class MockResult:
    """What the engine answered and why. ``request_body``/``response_body`` are the bodies
    already parsed (JSON value, text, or None), so that recording does not parse twice.
    ``answered_as``: the method the request was answered as when not its own (a ``HEAD`` on
    a route documenting only ``GET`` is answered as that ``GET``, without the body); such a
    request is not recorded (see `entente_daemon.mock.serving.app.MockApp.answered`)."""

    response: MockResponse
    match: MatchContext
    operation_id: str | None = None
    request_body: Any = None
    response_body: Any = None
    provider_state: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    answered_as: str | None = None

    def __init__(
        self,
        response: MockResponse,
        match: MatchContext,
        operation_id: str | None = None,
        request_body: Any = None,
        response_body: Any = None,
        provider_state: str | None = None,
        extras: dict[str, Any] | None = None,
        answered_as: str | None = None,
    ) -> None:
        fields = self.__dict__
        fields["response"] = response
        fields["match"] = match
        fields["operation_id"] = operation_id
        fields["request_body"] = request_body
        fields["response_body"] = response_body
        fields["provider_state"] = provider_state
        fields["extras"] = {} if extras is None else extras
        fields["answered_as"] = answered_as
