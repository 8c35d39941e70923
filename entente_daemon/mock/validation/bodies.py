"""Request bodies read by media type: JSON, forms, multipart, text.

* JSON (``application/json``, ``text/json``, any ``+json``): the JSON value. The encoding is
  detected as `json.loads` does for bytes (UTF-8, or UTF-16/32 by their byte patterns);
* ``application/x-www-form-urlencoded``: a dict of fields, a field sent once a string, sent
  several times a list of strings (``charset`` honoured, UTF-8 by default);
* ``multipart/form-data``: a dict of fields likewise; a part is text (decoded with its
  charset), JSON when the part says so, or binary (a file, or a non-text part) kept as None;
* ``text/*`` and XML: the decoded string;
* anything else (images, ``application/octet-stream``...): None, the bytes are not kept.

`read_body` also says why a body cannot be read (malformed JSON, with the parser's line and
column); `parse_body` never fails, for recording what was sent whatever it was.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

from entente_daemon.mock.media import MediaType, parse_media_type

#: What is said of JSON nested too deeply for `json`, which recurses, to read.
_MAX_DEPTH_PROBLEM = "is nested too deeply to be read"


@dataclass(frozen=True, slots=True)
class Body:
    """A body as read for one media type.

    ``value``: what `parse_body` returns. ``problem``: why the body could not be read (then
    ``value`` is None), a phrase to follow "request body". ``fields``: for forms and
    multipart, every value of each field in order, binary parts as Latin-1 text (one
    character per byte, so lengths hold), for validating against the schema."""

    value: Any
    problem: str | None = None
    fields: dict[str, list[Any]] | None = None


def _charset(media: MediaType | None, default: str = "utf-8") -> str:
    charset = media.param("charset") if media is not None else None
    if charset:
        try:
            "".encode(charset)
        except LookupError:
            return default
        return charset
    return default


def _text(body: bytes, media: MediaType | None) -> str:
    return body.decode(_charset(media), errors="replace")


def read_json(body: bytes) -> tuple[Any, str | None]:
    """The JSON value, or None and what is wrong with it (with line and column)."""
    try:
        return json.loads(body), None
    except json.JSONDecodeError as exc:
        return None, f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except UnicodeDecodeError as exc:
        return None, f"is not valid JSON: not UTF-8 text (byte {exc.start})"
    except RecursionError:
        return None, _MAX_DEPTH_PROBLEM
    except ValueError as exc:  # a number too long to convert (Python's limit on digits)
        return None, f"is not valid JSON here: {_number_problem(exc)}"


def _number_problem(exc: ValueError) -> str:
    digits = re.search(r"value has (\d+) digits", str(exc))
    found = f" ({digits.group(1)} digits)" if digits else ""
    return (
        f"a number is too long{found}: at most {sys.get_int_max_str_digits()} digits are "
        "accepted in an integer"
    )


def _single(fields: dict[str, list[Any]]) -> dict[str, Any]:
    return {name: vs[0] if len(vs) == 1 else list(vs) for name, vs in fields.items()}


def _form(body: bytes, media: MediaType) -> Body:
    fields: dict[str, list[Any]] = parse_qs(
        _text(body, media), keep_blank_values=True, encoding=_charset(media), errors="replace"
    )
    return Body(_single(fields), fields=fields)


def _part_value(part: Message) -> tuple[Any, Any]:
    """A part's (public value, value to validate)."""
    raw = part.get_payload(decode=True)
    payload = raw if isinstance(raw, bytes) else b""
    declared = part.get("content-type")
    media = parse_media_type(part.get_content_type()) if declared else None
    if media is not None and media.is_json:
        value, problem = read_json(payload)
        if problem is None:
            return value, value
    if part.get_filename() is None and (media is None or media.is_text):
        text = _text(payload, media)
        return text, text
    return None, payload.decode("latin-1")


def _multipart(body: bytes, content_type: str, media: MediaType) -> Body:
    if not media.param("boundary"):
        return Body(None, "cannot be read as multipart: the Content-Type has no boundary")
    head = b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n"
    message = BytesParser(policy=policy.compat32).parsebytes(head + body)
    parts = message.get_payload() if message.is_multipart() else None
    if not isinstance(parts, list) or (not parts and body.strip()):
        return Body(None, "cannot be read as multipart: no part found with the boundary")
    public: dict[str, list[Any]] = {}
    fields: dict[str, list[Any]] = {}
    for part in parts:
        if not isinstance(part, Message):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        value, checked = _part_value(part)
        public.setdefault(name, []).append(value)
        fields.setdefault(name, []).append(checked)
    return Body(_single(public), fields=fields)


def read_body(media: MediaType | None, content_type: str | None, body: bytes) -> Body:
    """``body`` read as ``media`` (the parsed ``content_type``). An empty body is None.
    Without a media type, JSON if it parses, else text if it is UTF-8, else None."""
    if not body:
        return Body(None)
    if media is None:
        value, problem = read_json(body)
        if problem is None:
            return Body(value)
        try:
            return Body(body.decode("utf-8"))
        except UnicodeDecodeError:
            return Body(None)
    if media.is_json:
        value, problem = read_json(body)
        return Body(value, problem)
    if media.is_form:
        return _form(body, media)
    if media.is_multipart:
        return _multipart(body, content_type or "", media)
    if media.is_text:
        return Body(_text(body, media))
    return Body(None)


def parse_body(content_type: str | None, body: bytes) -> Any:
    """The body as a value: a JSON value (``+json`` suffixes included), a dict of fields
    for forms and multipart, a string for ``text/*``, None when empty or binary. Never
    raises: a body that cannot be read as its media type (malformed JSON...) is returned as
    its text, or None if that is not text either. (`validate_request` reports such a body
    as a violation, with the parser's line and column.)"""
    if not body:
        return None
    media = parse_media_type(content_type) if content_type else None
    read = read_body(media, content_type, body)
    if read.problem is None:
        return read.value
    try:
        return body.decode(_charset(media))
    except UnicodeDecodeError:
        return None


#: XML bodies larger than this are not parsed for the well-formedness check.
MAX_XML_CHECK = 1 << 20


def parse_xml(body: bytes) -> tuple[str | None, ElementTree.Element | None]:
    """``body`` parsed as XML: (None, root), or (why it is not well-formed, None), or
    (None, None) for a body too large to check. Documents with a DOCTYPE are refused
    unparsed, so no entity expansion can be triggered from a request."""
    if len(body) > MAX_XML_CHECK:
        return None, None
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return "a DOCTYPE or ENTITY declaration is not accepted by the mock", None
    try:
        return None, ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        return str(exc), None
