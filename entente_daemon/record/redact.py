"""Credentials never reach the store: header, query and body values that carry them are
replaced.

A redacted value becomes ``"[REDACTED]"``; the header or parameter itself stays, so that the
verifier replaying the interaction knows a credential was sent (and supplies its own). The
interaction's content hash is taken after redaction, so two requests that differ only in
their token are one interaction, and no secret influences anything stored.

What is redacted: the headers in `DEFAULT_HEADERS` (names compared case-insensitively), the
query parameters in `DEFAULT_QUERY` and the body fields in `DEFAULT_FIELDS` (names compared
in any spelling: ``access_token``, ``access-token``, ``accessToken`` and ``ACCESS_TOKEN``
are one name, see `spelling`), the names a project adds in its ``[recording]`` section, and
the names a spec's ``apiKey`` security schemes declare (`Redaction.for_spec`). Body fields
are found at any depth of a JSON body, in a form body, and (by pattern) in a body kept as
text. A secret's value is also scrubbed from the mock's explanations (validation messages
may quote the value they rejected), and `Redaction.query_string` redacts a raw query
string for log lines.

Transport headers (``Host``, ``Content-Length``, ``User-Agent``, ``Accept-Encoding``...,
see `UNRECORDED_HEADERS`) and the mock's ``X-Entente-*`` headers are not recorded at all, so
that the same request is the same interaction whichever port, client version or transport
(HTTP server or in-process route) carried it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from entente_daemon.model import Interaction
from entente_daemon.record.bounds import Limits

if TYPE_CHECKING:
    from entente_daemon.config import RecordingSettings

REDACTED = "[REDACTED]"


@lru_cache(maxsize=8192)  # bodies repeat their field names: worth remembering
def spelling(name: str) -> str:
    """A name as compared: lower-case, without ``-``, ``_`` or ``.``, so that every
    spelling of one name (``api_key``, ``api-key``, ``apiKey``) is the same."""
    return name.lower().replace("-", "").replace("_", "").replace(".", "")


def _spellings(names: Iterable[str]) -> frozenset[str]:
    return frozenset(spelling(name.strip()) for name in names if name.strip())


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

DEFAULT_QUERY: frozenset[str] = _spellings(
    {
        "api_key",
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

#: Body fields (JSON at any depth, form fields) whose values are credentials.
DEFAULT_FIELDS: frozenset[str] = _spellings(
    {
        "password",
        "passwd",
        "new_password",
        "old_password",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "auth_token",
        "api_key",
        "private_key",
        "session_token",
    }
)

#: A name ending in one of these is a credential whatever comes before (``db_password``).
SECRET_ENDINGS: tuple[str, ...] = ("password", "passwd", "secret", "apikey", "privatekey")


@dataclass(frozen=True, slots=True)
class Redaction:
    """Which header names (lower-case), query parameter and body field names (as
    `spelling` gives them) carry credentials, which headers are left out of recordings
    altogether (``unrecorded``), and how much of a body or header is kept (``limits``)."""

    headers: frozenset[str] = DEFAULT_HEADERS
    query: frozenset[str] = DEFAULT_QUERY
    unrecorded: frozenset[str] = UNRECORDED_HEADERS
    fields: frozenset[str] = DEFAULT_FIELDS
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def configured(cls, settings: RecordingSettings) -> Redaction:
        """The built-in names with a project's ``[recording]`` ones, and its size limits."""
        return replace(
            cls().extended(
                headers=settings.redact_headers,
                query=settings.redact_query,
                fields=settings.redact_fields,
            ),
            limits=Limits(
                max_body_bytes=settings.max_body_bytes,
                max_header_bytes=settings.max_header_bytes,
            ),
        )

    def extended(
        self,
        *,
        headers: Iterable[str] = (),
        query: Iterable[str] = (),
        fields: Iterable[str] = (),
    ) -> Redaction:
        """These names as well (e.g. a project's ``[recording] redact_headers``)."""
        return replace(
            self,
            headers=self.headers | {name.strip().lower() for name in headers if name.strip()},
            query=self.query | _spellings(query),
            fields=self.fields | _spellings(fields),
        )

    def is_secret_query(self, name: str) -> bool:
        """Whether a query parameter (or form field) of this name carries a credential."""
        spelt = spelling(name)
        return spelt in self.query or spelt in self.fields or spelt.endswith(SECRET_ENDINGS)

    def is_secret_field(self, name: str) -> bool:
        """Whether a body field of this name carries a credential."""
        spelt = spelling(name)
        return spelt in self.fields or spelt.endswith(SECRET_ENDINGS)

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
            if self.is_secret_query(name):
                if secrets is not None:
                    secrets.extend(v for v in values if v)
                result[name] = [REDACTED] * len(values)
            else:
                result[name] = list(values)
        return result

    def query_string(self, raw: str) -> str:
        """A raw query string (``a=1&api_key=x``) with credential values redacted, order
        and encoding otherwise kept: for log lines."""
        if not raw:
            return raw
        parts = raw.split("&")
        changed = False
        for number, part in enumerate(parts):
            name, equals, value = part.partition("=")
            if equals and value and self.is_secret_query(unquote_plus(name)):
                parts[number] = f"{name}={REDACTED}"
                changed = True
        return "&".join(parts) if changed else raw

    def may_hold_secrets(self, raw: bytes) -> bool:
        """Whether a body's bytes may name a credential field: false only when no field
        name's spelling occurs in them (lower-cased, without ``-``, ``_`` and ``.``), which
        spares the walk through most bodies. Escapes (``\\u``) could hide a name: then
        true."""
        if not raw or b"\\u" in raw:
            return True
        flat = raw.lower().replace(b"_", b"").replace(b"-", b"").replace(b".", b"")
        return any(name in flat for name in _encoded(self.fields))

    def body(self, value: Any, secrets: list[str] | None = None) -> Any:
        """A parsed body (JSON value, form fields, or text) with credential fields' values
        redacted at any depth; the same object when nothing was. Redacted values are
        appended to ``secrets`` when given."""
        found: list[str] = [] if secrets is None else secrets
        if isinstance(value, str):
            return self.text(value, found)
        return self._json(value, found)

    def _json(self, value: Any, secrets: list[str]) -> Any:
        if isinstance(value, dict):
            copy: dict[Any, Any] | None = None
            for key, item in value.items():
                if isinstance(key, str) and self.is_secret_field(key):
                    new = _redacted_value(item, secrets)
                else:
                    new = self._json(item, secrets)
                if new is not item:
                    if copy is None:
                        copy = dict(value)
                    copy[key] = new
            return value if copy is None else copy
        if isinstance(value, list):
            items: list[Any] | None = None
            for number, item in enumerate(value):
                new = self._json(item, secrets)
                if new is not item:
                    if items is None:
                        items = list(value)
                    items[number] = new
            return value if items is None else items
        return value

    def text(self, text: str, secrets: list[str] | None = None) -> str:
        """A body kept as text (JSON too deep or too big to store as such, a form, plain
        text) with the values of credential-named JSON members and form fields redacted."""
        if not text:
            return text
        found: list[str] = [] if secrets is None else secrets

        def redact(match: re.Match[str]) -> str:
            name, value = match.group("name"), match.group("value")
            if not value or value.strip('"') == REDACTED or not self.is_secret_field(name):
                return match.group(0)
            found.append(value.strip('"'))
            quoted = value.startswith('"')
            return match.group("head") + (f'"{REDACTED}"' if quoted else REDACTED)

        for pattern in _TEXT_PATTERNS:
            text = pattern.sub(redact, text)
        return text


# ``"name": value`` in JSON text (the value possibly cut off), and ``name=value`` in a form.
_TEXT_PATTERNS = (
    re.compile(
        r'(?P<head>"(?P<name>[A-Za-z0-9_.\-]{1,64})"\s*:\s*)'
        r'(?P<value>"(?:[^"\\]|\\.)*"?|[^\s,}\]"]+)'
    ),
    re.compile(r"(?P<head>(?:^|(?<=[&;?\s]))(?P<name>[A-Za-z0-9_.\-]{1,64})=)(?P<value>[^&;\s]*)"),
)


@lru_cache(maxsize=64)
def _encoded(fields: frozenset[str]) -> tuple[bytes, ...]:
    """The spellings to look for in a body's bytes: the fields' and the endings."""
    names = {name.encode("utf-8") for name in fields} | {e.encode() for e in SECRET_ENDINGS}
    return tuple(sorted(names))


def _redacted_value(value: Any, secrets: list[str]) -> Any:
    """A credential field's value redacted: a scalar becomes ``[REDACTED]`` (null, true and
    false say nothing and stay), a list's scalars each, an object's every member."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return {key: _redacted_value(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted_value(item, secrets) for item in value]
    if value != REDACTED:
        secrets.append(str(value))
    return REDACTED


_BUILT_IN = Redaction()


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


def redact_interaction(interaction: Interaction, redaction: Redaction | None = None) -> Interaction:
    """An interaction already made (an upload, a spooled record) redacted once more with
    ``redaction`` (the built-in names by default): the same object when nothing carried a
    credential, else a copy with its content hash taken again. A safety net for records
    that did not come through `convert` (which redacts before hashing)."""
    rules = redaction if redaction is not None else _BUILT_IN
    request, response = interaction.request, interaction.response
    secrets: list[str] = []
    query = {
        name: [REDACTED] * len(values) if rules.is_secret_query(name) else values
        for name, values in request.query.items()
    }
    headers = {
        name: REDACTED if name.lower() in rules.headers else value
        for name, value in request.headers.items()
    }
    response_headers = {
        name: REDACTED if name.lower() in rules.headers else value
        for name, value in response.headers.items()
    }
    request_body = rules.body(request.body, secrets)
    response_body = rules.body(response.body, secrets)
    if (
        query == request.query
        and headers == request.headers
        and response_headers == response.headers
        and request_body == request.body
        and response_body == response.body
    ):
        return interaction
    changed = interaction.model_copy(
        update={
            "request": request.model_copy(
                update={"query": query, "headers": headers, "body": request_body}
            ),
            "response": response.model_copy(
                update={"headers": response_headers, "body": response_body}
            ),
        }
    )
    return changed.with_hash()
