"""Strings that match a regular expression, for ``pattern`` and ``patternProperties``.

A regex is parsed once with the standard library's own parser (``re._parser``, the module that
was ``sre_parse``) into a small program of choices and repeats, cached by pattern text; emitting
a string then costs a few random draws per character. Lookarounds are ignored while emitting, so
every result is checked with ``re.search`` (what JSON Schema's ``pattern`` does) and several
attempts are made, stretching or shrinking unbounded repeats to meet length limits.
"""

from __future__ import annotations

import functools
import importlib
import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

_parser: ModuleType = importlib.import_module("re._parser")
_c: ModuleType = importlib.import_module("re._constants")

_PRINTABLE = "".join(chr(code) for code in range(32, 127))
_READABLE = string.ascii_letters + string.digits
_CATEGORY: dict[Any, Callable[[str], bool]] = {
    _c.CATEGORY_DIGIT: lambda char: char.isdigit(),
    _c.CATEGORY_NOT_DIGIT: lambda char: not char.isdigit(),
    _c.CATEGORY_WORD: lambda char: char.isalnum() or char == "_",
    _c.CATEGORY_NOT_WORD: lambda char: not (char.isalnum() or char == "_"),
    _c.CATEGORY_SPACE: lambda char: char.isspace(),
    _c.CATEGORY_NOT_SPACE: lambda char: not char.isspace(),
}
_MAX_ATTEMPTS = 12
_MAX_EXTRA_CHARS = 64


# Program nodes: a sequence is a tuple of nodes.
@dataclass(frozen=True, slots=True)
class _Chars:
    pool: str


@dataclass(frozen=True, slots=True)
class _Branch:
    options: tuple[tuple[object, ...], ...]


@dataclass(frozen=True, slots=True)
class _Group:
    number: int | None
    body: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class _Repeat:
    low: int
    high: int | None  # None: unbounded
    body: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class _GroupRef:
    number: int


@dataclass(frozen=True, slots=True)
class _IfGroup:
    number: int
    yes: tuple[object, ...]
    no: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Program:
    body: tuple[object, ...]
    regex: re.Pattern[str]
    anchored_start: bool
    anchored_end: bool


def _in_class(items: list[tuple[Any, Any]], char: str) -> bool:
    code = ord(char)
    for op, arg in items:
        if op is _c.LITERAL and arg == code:
            return True
        if op is _c.RANGE and arg[0] <= code <= arg[1]:
            return True
        if op is _c.CATEGORY and arg in _CATEGORY and _CATEGORY[arg](char):
            return True
    return False


def _class_pool(items: list[tuple[Any, Any]]) -> str:
    negated = bool(items) and items[0][0] is _c.NEGATE
    if negated:
        rest = items[1:]
        pool = "".join(char for char in _READABLE if not _in_class(rest, char))
        return pool or "".join(char for char in _PRINTABLE if not _in_class(rest, char)) or "\u00a4"
    pool = "".join(char for char in _PRINTABLE if _in_class(items, char))
    readable = "".join(char for char in pool if char.isalnum())
    beyond = []
    for op, arg in items:  # characters outside ASCII, e.g. [à-ÿ] or [\u4e00-\u9fff]
        if op is _c.LITERAL and arg > 126:
            beyond.append(chr(arg))
        elif op is _c.RANGE and arg[1] > 126:
            start = max(arg[0], 127)
            beyond.extend(chr(code) for code in range(start, min(arg[1], start + 31) + 1))
    # Prefer letters and digits when the class offers them: values stay readable.
    return (readable if len(readable) >= 4 else pool) or "".join(beyond) or "?"


def _convert(parsed: Any) -> tuple[object, ...]:
    nodes: list[object] = []
    for op, arg in parsed:
        if op is _c.LITERAL:
            nodes.append(_Chars(chr(arg)))
        elif op is _c.NOT_LITERAL:
            nodes.append(_Chars(_READABLE.replace(chr(arg), "") if arg < 128 else _READABLE))
        elif op is _c.ANY:
            nodes.append(_Chars(_READABLE))
        elif op is _c.IN:
            nodes.append(_Chars(_class_pool(list(arg))))
        elif op is _c.BRANCH:
            nodes.append(_Branch(tuple(_convert(option) for option in arg[1])))
        elif op is _c.SUBPATTERN:
            nodes.append(_Group(arg[0], _convert(arg[3])))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            low, high, body = arg
            nodes.append(_Repeat(low, None if high is _c.MAXREPEAT else high, _convert(body)))
        elif op is _c.ATOMIC_GROUP:
            nodes.append(_Group(None, _convert(arg)))
        elif op is _c.GROUPREF:
            nodes.append(_GroupRef(arg))
        elif op is _c.GROUPREF_EXISTS:
            group, yes, no = arg
            nodes.append(_IfGroup(group, _convert(yes), _convert(no) if no else ()))
        # AT (anchors, \b), ASSERT and ASSERT_NOT (lookarounds) emit nothing.
    return tuple(nodes)


@functools.lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> Program | None:
    """The program for ``pattern``; ``None`` when Python's ``re`` cannot parse it."""
    try:
        parsed = _parser.parse(pattern)
        regex = re.compile(pattern)
    except (re.error, TypeError, ValueError, RecursionError, OverflowError):
        return None
    ops = list(parsed)
    starts = bool(ops) and ops[0] == (_c.AT, _c.AT_BEGINNING)
    ends = bool(ops) and ops[-1][0] is _c.AT and ops[-1][1] in (_c.AT_END, _c.AT_END_STRING)
    return Program(_convert(parsed), regex, starts, ends)


@functools.lru_cache(maxsize=2048)
def compiled_regex(pattern: str) -> re.Pattern[str] | None:
    program = compile_pattern(pattern)
    return program.regex if program else None


def search(pattern: str, value: str) -> bool:
    """What JSON Schema's ``pattern`` does: ``re.search``; false for a pattern ``re`` rejects."""
    regex = compiled_regex(pattern)
    return regex is not None and regex.search(value) is not None


class _Emitter:
    __slots__ = ("groups", "rng", "span")

    def __init__(self, rng: random.Random, span: tuple[int, int]) -> None:
        self.rng = rng
        self.span = span  # how many repeats beyond the minimum: (fewest, most)
        self.groups: dict[int, str] = {}

    def emit(self, body: tuple[object, ...], out: list[str]) -> None:
        rng = self.rng
        for node in body:
            if isinstance(node, _Chars):
                pool = node.pool
                out.append(pool if len(pool) == 1 else pool[rng.randrange(len(pool))])
            elif isinstance(node, _Repeat):
                low, high = node.low, node.high
                fewest, most = low + self.span[0], low + self.span[1]
                if high is not None:
                    fewest, most = min(fewest, high), min(most, high)
                for _ in range(rng.randint(fewest, most)):
                    self.emit(node.body, out)
            elif isinstance(node, _Group):
                start = len(out)
                self.emit(node.body, out)
                if node.number is not None:
                    self.groups[node.number] = "".join(out[start:])
            elif isinstance(node, _Branch):
                self.emit(node.options[rng.randrange(len(node.options))], out)
            elif isinstance(node, _GroupRef):
                out.append(self.groups.get(node.number, ""))
            elif isinstance(node, _IfGroup):
                self.emit(node.yes if node.number in self.groups else node.no, out)


def _fits(value: str, min_length: int, max_length: int | None) -> bool:
    return len(value) >= min_length and (max_length is None or len(value) <= max_length)


def matching_string(
    pattern: str,
    rng: random.Random,
    *,
    min_length: int = 0,
    max_length: int | None = None,
    also: tuple[str, ...] = (),
) -> str | None:
    """A string ``re.search``-matching ``pattern`` (and every pattern in ``also``) whose length
    is within the limits, or ``None`` when none was found in a few attempts."""
    program = compile_pattern(pattern)
    if program is None:
        return None
    others = [compiled_regex(other) for other in also]
    if any(regex is None for regex in others):
        return None
    # First a free attempt; when the length is off, bisect on how many extra repeats to emit.
    low, high = 0, 2 * max(min_length, 8)
    span = (0, 3)
    for _ in range(_MAX_ATTEMPTS):
        out: list[str] = []
        _Emitter(rng, span).emit(program.body, out)
        value = "".join(out)
        if len(value) < min_length and not (program.anchored_start and program.anchored_end):
            # An unanchored end (or start) leaves room to pad without breaking the match.
            count = min(min_length - len(value), _MAX_EXTRA_CHARS)
            pad = "".join(rng.choice(string.ascii_lowercase) for _ in range(count))
            value = value + pad if not program.anchored_end else pad + value
        too_short = len(value) < min_length
        too_long = max_length is not None and len(value) > max_length
        if (
            not too_short
            and not too_long
            and program.regex.search(value)
            and all(regex is not None and regex.search(value) for regex in others)
        ):
            return value
        if span[0] != span[1]:
            pass  # the free attempt says nothing about the bounds
        elif too_short:
            low = span[0] + 1
        elif too_long:
            high = span[0] - 1
        if low > high:
            return None
        middle = (low + high) // 2
        span = (middle, middle)
    return None


def matching_all(
    pattern_list: tuple[str, ...],
    rng: random.Random,
    *,
    min_length: int = 0,
    max_length: int | None = None,
) -> str | None:
    """A string matching every pattern: one pattern's string that happens to match the others,
    else the patterns' strings joined (``^[a-z]`` and ``[0-9]$`` give ``k7``)."""
    for index, pattern in enumerate(pattern_list):
        others = pattern_list[:index] + pattern_list[index + 1 :]
        value = matching_string(
            pattern, rng, min_length=min_length, max_length=max_length, also=others
        )
        if value is not None:
            return value
    pieces = [matching_string(pattern, rng) for pattern in pattern_list]
    if len(pieces) < 2 or any(piece is None for piece in pieces):
        return None
    for order in (pieces, pieces[::-1]):
        value = "".join(piece or "" for piece in order)
        regexes = [compiled_regex(pattern) for pattern in pattern_list]
        if _fits(value, min_length, max_length) and all(
            regex is not None and regex.search(value) for regex in regexes
        ):
            return value
    return None
