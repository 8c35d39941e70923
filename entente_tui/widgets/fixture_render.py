"""How fixtures read on screen: short cells for the table, and highlighted request, response
and schema blocks for the detail. Pure functions to Rich renderables (no markup is parsed
from data: a path or a note with ``[brackets]`` shows as written)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from entente_daemon.model import Fixture, HttpRequest, HttpResponse

NOTE_WIDTH = 40


def request_line(request: HttpRequest) -> str:
    query = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
    path = request.path or "(any path)"
    return f"{request.method.upper()} {path}{'?' + query if query else ''}"


def short_note(notes: str | None, width: int = NOTE_WIDTH) -> str:
    if not notes:
        return ""
    first = notes.strip().splitlines()[0] if notes.strip() else ""
    more = len(notes.strip().splitlines()) > 1
    if len(first) > width or more:
        return first[: width - 1].rstrip() + "…"
    return first


def short_id(fixture_id: str) -> str:
    return fixture_id[:8]


def problems_of(fixture: Fixture) -> list[str]:
    """The problems the last check stored on the fixture (``Fixture.problems``)."""
    found: Any = getattr(fixture, "problems", [])
    return [str(p) for p in found] if isinstance(found, list) else []


def _content_type(headers: dict[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return value.lower()
    return ""


def _lexer(content_type: str) -> str:
    if "json" in content_type:
        return "json"
    if "xml" in content_type:
        return "xml"
    if "html" in content_type:
        return "html"
    if "yaml" in content_type:
        return "yaml"
    return "text"


def code_block(
    value: Any, *, dark: bool, content_type: str = "", background: str = "default"
) -> RenderableType:
    """A body or schema, highlighted: JSON values as indented JSON, text by its media type."""
    if value is None:
        return Text("(no body)", style="italic dim")
    if isinstance(value, str) and "json" not in content_type:
        text, lexer = value, _lexer(content_type)
    else:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
        lexer = "json"
    return Syntax(
        text,
        lexer,
        theme="ansi_dark" if dark else "ansi_light",
        background_color=background,
        word_wrap=True,
    )


def _headers(headers: dict[str, str]) -> Text:
    text = Text()
    for name, value in sorted(headers.items(), key=lambda item: item[0].lower()):
        text.append(f"{name}: ", style="bold")
        text.append(f"{value}\n")
    return text


def request_block(
    request: HttpRequest, *, dark: bool, background: str = "default"
) -> RenderableType:
    parts: list[RenderableType] = [Text(request_line(request), style="bold")]
    if request.headers:
        parts.append(_headers(request.headers))
    if request.body is not None:
        parts.append(
            code_block(
                request.body,
                dark=dark,
                content_type=_content_type(request.headers),
                background=background,
            )
        )
    return Group(*parts)


def response_block(
    response: HttpResponse, *, dark: bool, background: str = "default"
) -> RenderableType:
    parts: list[RenderableType] = [Text(f"HTTP {response.status}", style="bold")]
    if response.headers:
        parts.append(_headers(response.headers))
    content_type = _content_type(response.headers)
    parts.append(
        code_block(response.body, dark=dark, content_type=content_type, background=background)
    )
    return Group(*parts)


def heading(title: str) -> Text:
    return Text(title, style="bold underline")
