"""Credentials never reach the store: header and query values that carry them are replaced.

A redacted value becomes ``"[REDACTED]"``; the header or parameter itself stays, so that the
verifier replaying the interaction knows a credential was sent (and supplies its own). The
interaction's content hash is taken after redaction, so two requests that differ only in
their token are one interaction, and no secret influences anything stored.

What is redacted: the headers in `DEFAULT_HEADERS` and the query parameters in
`DEFAULT_QUERY` (names compared case-insensitively), the names a project adds in its
``[recording]`` section, and the names a spec's ``apiKey`` security schemes declare
(`Redaction.for_spec`). A secret's value is also scrubbed from the mock's explanations
(validation messages may quote the value they rejected).

Transport headers (``Host``, ``Content-Length``, ``User-Agent``, ``Accept-Encoding``...,
see `UNRECORDED_HEADERS`) and the mock's ``X-Entente-*`` headers are not recorded at all, so
that the same request is the same interaction whichever port, client version or transport
(HTTP server or in-process route) carried it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REDACTED = "[REDACTED]"

DEFAULT_HEADERS: frozenset[str] = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "x-access-token",
        "x-csrf-token",
        "x-xsrf-token",
        "x-amz-security-token",
    }
)

# Not recorded at all: how the bytes travelled rather than what was asked (they differ
# between the HTTP server and the in-process route, between ports and client versions, and
# would make the same request a new interaction each time), and the mock's own
# ``X-Entente-*`` headers (the match context holds what they say).
UNRECORDED_HEADERS: frozenset[str] = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "accept-encoding",
        "user-agent",
        "date",
    }
)
UNRECORDED_PREFIX = "x-entente-"

DEFAULT_QUERY: frozenset[str] = frozenset(
    {
        "api_key",
        "api-key",
        "apikey",
        "access_token",
        "refresh_token",
        "id_token",
        "auth_token",
        "token",
        "client_secret",
        "password",
        "secret",
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
    }
)


@dataclass(frozen=True, slots=True)
class Redaction:
    """Which header and query parameter names carry credentials (lower-case), and which
    headers are left out of recordings altogether (``unrecorded``)."""

    headers: frozenset[str] = DEFAULT_HEADERS
    query: frozenset[str] = DEFAULT_QUERY
    unrecorded: frozenset[str] = UNRECORDED_HEADERS

    def extended(self, *, headers: Iterable[str] = (), query: Iterable[str] = ()) -> Redaction:
        """These names as well (e.g. a project's ``[recording] redact_headers``)."""
        return Redaction(
            headers=self.headers | {name.strip().lower() for name in headers if name.strip()},
            query=self.query | {name.strip().lower() for name in query if name.strip()},
            unrecorded=self.unrecorded,
        )

    def for_spec(self, security_schemes: Mapping[str, Any]) -> Redaction:
        """Also the header, query and cookie names of the spec's ``apiKey`` schemes (a
        cookie-borne key is covered by redacting the whole ``Cookie`` header)."""
        headers: list[str] = []
        query: list[str] = []
        for scheme in security_schemes.values():
            if not isinstance(scheme, Mapping) or scheme.get("type") != "apiKey":
                continue
            name, where = scheme.get("name"), scheme.get("in")
            if not isinstance(name, str):
                continue
            if where == "header":
                headers.append(name)
            elif where == "query":
                query.append(name)
        return self.extended(headers=headers, query=query)

    def headers_dict(
        self, pairs: Iterable[tuple[str, str]], secrets: list[str] | None = None
    ) -> dict[str, str]:
        """Headers as recorded: lower-case names, repeated headers joined with ``", "``,
        credentials redacted, transport headers left out. Redacted values are appended to
        ``secrets`` when given."""
        result: dict[str, str] = {}
        for raw_name, value in pairs:
            name = raw_name.lower()
            if name in self.unrecorded or name.startswith(UNRECORDED_PREFIX):
                continue
            if name in self.headers:
                if secrets is not None:
                    secrets.extend(_secret_parts(name, value))
                value = REDACTED
                if name in result:
                    continue  # one "[REDACTED]" however many were sent
            elif name in result:
                value = f"{result[name]}, {value}"
            result[name] = value
        return result

    def query_dict(
        self, query: Mapping[str, list[str]], secrets: list[str] | None = None
    ) -> dict[str, list[str]]:
        """The parsed query string with credential parameters' values redacted."""
        result: dict[str, list[str]] = {}
        for name, values in query.items():
            if name.lower() in self.query:
                if secrets is not None:
                    secrets.extend(v for v in values if v)
                result[name] = [REDACTED] * len(values)
            else:
                result[name] = list(values)
        return result


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of a secret replaced by ``[REDACTED]``. Secrets shorter
    than four characters are left alone: replacing them would garble the text, and they are
    not secrets worth the name."""
    for secret in secrets:
        if len(secret) >= 4 and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _secret_parts(name: str, value: str) -> list[str]:
    """The whole value, and the parts a message might quote alone: the credentials after an
    ``Authorization`` scheme, a cookie's value."""
    parts = [value] if value else []
    if name in ("authorization", "proxy-authorization"):
        _, _, credentials = value.partition(" ")
        parts.append(credentials.strip())
    elif name in ("cookie", "set-cookie"):
        pieces = value.split(";")
        for piece in pieces if name == "cookie" else pieces[:1]:  # not Set-Cookie's attributes
            _, equals, cookie_value = piece.partition("=")
            if equals:
                parts.append(cookie_value.strip())
    return [part for part in parts if part]
