"""The ``Prefer`` request header and the choice of a spec example.

``Prefer`` (RFC 7240) lets a consumer's test steer the mock, as with Prism::

    Prefer: code=404                   answer with the documented 404 response
    Prefer: example=notFound           answer with this named example (any documented status)
    Prefer: code=404, example=notFound
    Prefer: dynamic=true               skip fixtures and examples: generate from the schema

Preferences are comma-separated ``token[=word]`` items (``word`` a token or a quoted
string; ``;parameters`` are ignored); names are case-insensitive; several ``Prefer`` headers
combine; when a preference is given twice the first counts, and preferences Entente does not
know are ignored (both as RFC 7240 says). What was honoured goes back in the
``Preference-Applied`` response header.

Example choice, for one status and media type: ``Prefer: example=NAME`` picks that named
example; otherwise the first named example (``examples``) with an inline value, else the
media type's ``example``, else the schema's own ``example`` (3.1: the first of its
``examples``). Examples given only as ``externalValue`` are not fetched (the mock does no
I/O) and are passed over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from entente_daemon.openapi import MediaType

_KNOWN = ("code", "example", "dynamic")
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


@dataclass(frozen=True)
class Preferences:
    """What a request's ``Prefer`` headers ask of the mock. ``problems`` are sentences about
    values Entente cannot use (the mock answers 400 with them)."""

    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    problems: tuple[str, ...] = ()
    given: dict[str, str] = field(default_factory=dict)

    def applied(self, *names: str) -> str | None:
        """The ``Preference-Applied`` value for the named preferences that were given."""
        parts = [_render(name, self.given[name]) for name in names if name in self.given]
        return ", ".join(parts) or None


NO_PREFERENCES = Preferences()


def _render(name: str, value: str) -> str:
    if value and all(c.isalnum() or c in "!#$%&'*+-.^_`|~" for c in value):
        return f"{name}={value}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}="{escaped}"'


def split_items(header: str) -> list[str]:
    """Split a header on commas that are outside quoted strings."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in header:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _unquote(word: str) -> str:
    word = word.strip()
    if len(word) >= 2 and word[0] == word[-1] == '"':
        inner = word[1:-1]
        out: list[str] = []
        escaped = False
        for char in inner:
            if escaped or char != "\\":
                out.append(char)
                escaped = False
            else:
                escaped = True
        return "".join(out)
    return word


_PARSED: dict[tuple[str, ...], Preferences] = {}
_PARSED_MAX = 1024


def preferences(values: Sequence[str]) -> Preferences:
    """`parse_prefer`, remembered: a test sends the same few ``Prefer`` values again and
    again. The result is shared: do not change its ``given``."""
    if not values:
        return NO_PREFERENCES
    key = tuple(values)
    found = _PARSED.get(key)
    if found is None:
        found = parse_prefer(key)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = found
    return found


def parse_prefer(headers: Iterable[str]) -> Preferences:
    """The preferences in the values of all ``Prefer`` headers of a request."""
    given: dict[str, str] = {}
    for header in headers:
        for item in split_items(header):
            head = item.split(";", 1)[0]  # parameters of a preference are not used
            name, _, value = head.partition("=")
            name = name.strip().lower()
            if name in _KNOWN and name not in given:
                given[name] = _unquote(value)
    if not given:
        return NO_PREFERENCES
    problems: list[str] = []
    code: int | None = None
    if "code" in given:
        raw = given["code"]
        if raw.isdigit() and 100 <= int(raw) <= 599:
            code = int(raw)
        else:
            problems.append(f"Prefer: code={raw!r} is not an HTTP status code (100-599)")
    example = given.get("example")
    if example is not None and not example:
        problems.append("Prefer: example= needs the name of an example")
        example = None
    dynamic = False
    if "dynamic" in given:
        raw = given["dynamic"].lower()
        if raw in _TRUE or raw == "":
            dynamic = True
        elif raw not in _FALSE:
            problems.append(f"Prefer: dynamic={given['dynamic']!r} must be true or false")
    if dynamic and example is not None:
        problems.append(
            f"Prefer: example={example} and dynamic=true contradict each other: "
            "an example is not generated; drop one of them"
        )
    return Preferences(code, example, dynamic, tuple(problems), given)


@dataclass(frozen=True)
class ExampleValue:
    """A spec example: ``name`` is the key in ``examples`` (None for an ``example``);
    ``label`` says which it is, for the match reasons."""

    name: str | None
    value: Any
    label: str


def named_examples(media: MediaType) -> list[str]:
    """Names of the media type's examples that have an inline value."""
    return [name for name, ex in media.examples.items() if _usable(ex.value, ex.external_value)]


def _usable(value: Any, external: str | None) -> bool:
    return not (value is None and external is not None)


def pick_example(media: MediaType, name: str) -> ExampleValue | None:
    example = media.examples.get(name)
    if example is None or not _usable(example.value, example.external_value):
        return None
    return ExampleValue(name, example.value, f"example '{name}'")


def default_example(media: MediaType, deref: Callable[[Any], Any]) -> ExampleValue | None:
    """The example served when none is asked for (see the module docstring for the order)."""
    for name, example in media.examples.items():
        if _usable(example.value, example.external_value):
            return ExampleValue(name, example.value, f"example '{name}'")
    if media.example is not None and _usable(media.example.value, media.example.external_value):
        return ExampleValue(None, media.example.value, "the media type's example")
    found, value = schema_example(media.schema, deref)
    if found:
        return ExampleValue(None, value, "the schema's example")
    return None


def schema_example(schema: Any, deref: Callable[[Any], Any]) -> tuple[bool, Any]:
    """``(True, value)`` when the schema (its ref followed) has an ``example`` or, in 3.1,
    ``examples``; ``(False, None)`` otherwise."""
    try:
        target = deref(schema)
    except Exception:  # an unresolvable ref: no example, the generator reports the ref
        return False, None
    if not isinstance(target, dict):
        return False, None
    if "example" in target:
        return True, target["example"]
    examples = target.get("examples")
    if isinstance(examples, list) and examples:
        return True, examples[0]
    return False, None
