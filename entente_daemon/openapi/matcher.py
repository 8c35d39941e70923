"""Request → operation matching over the index.

The templates are compiled once into a trie of path segments, each operation inserted under
every base path of its servers (``/api`` + ``/castles/{id}``). A node has literal children
(a dict), partial-template children (``{name}.{ext}``, ``v{version}``: one regex per
segment, the most literal characters first) and at most one whole-segment parameter child.
Matching walks the request's segments depth-first trying literal, then partial, then
parameter children, so the first complete match is the most specific one, comparing segment
by segment (``/castles/search`` before ``/castles/{id}``), and it costs a few dict lookups
per segment whatever the number of operations.

The request path is split on ``/`` *before* percent-decoding, so ``%2F`` stays inside its
segment (and inside a path parameter's value); each segment is then decoded. A trailing
slash is ignored. Only documented methods match: HEAD is not mapped to GET.

When a path matches but not for the method, matching goes on (as web frameworks do, a
``DELETE /castles/search`` reaches ``DELETE /castles/{id}``); only when no route has the
method is the result METHOD_NOT_ALLOWED, with the methods any matching path allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from entente_daemon.openapi.model import HTTP_METHODS, Operation

_WHOLE_PARAMETER = re.compile(r"\{([^{}]+)\}")
_TEMPLATE_PIECES = re.compile(r"(\{[^{}]+\})")
_METHOD_ORDER = {m.upper(): i for i, m in enumerate(HTTP_METHODS)}


class MatchStatus(StrEnum):
    MATCHED = "matched"
    NO_SUCH_PATH = "no_such_path"  # → 404
    METHOD_NOT_ALLOWED = "method_not_allowed"  # → 405 with allowed_methods


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of `Spec.match`. On MATCHED, ``operation`` is set, ``path_params`` holds
    the decoded values of the template variables and ``base_path`` the server prefix that
    matched (``""`` for the root). On METHOD_NOT_ALLOWED, ``allowed_methods`` lists the
    methods documented for the path."""

    status: MatchStatus
    operation: Operation | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    allowed_methods: tuple[str, ...] = ()
    base_path: str = ""

    @property
    def matched(self) -> bool:
        return self.status is MatchStatus.MATCHED


@dataclass(frozen=True, slots=True)
class _Route:
    operation: Operation
    names: tuple[str, ...]  # template variables, in capture order
    base_path: str


class _Node:
    __slots__ = ("literal", "partial", "partial_keys", "param", "routes")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.partial: list[tuple[re.Pattern[str], _Node, int]] = []
        self.partial_keys: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.routes: dict[str, _Route] = {}


@dataclass(frozen=True, slots=True)
class RouteConflict:
    """``shadowed`` can never be matched: ``winner`` matches the same URLs and method."""

    winner: Operation
    shadowed: Operation
    base_path: str


def split_path(path: str) -> list[str]:
    """A request path (or full URL) as decoded segments: ``/a%2Fb/c/`` → ``["a/b", "c"]``."""
    if "://" in path:
        path = urlsplit(path).path
    path = path.split("?", 1)[0].split("#", 1)[0]
    stripped = path.strip("/")
    if not stripped:
        return []
    return [unquote(s) if "%" in s else s for s in stripped.split("/")]


class Matcher:
    """Compiled routes for a set of operations; `match` is a pure function of its input."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._root = _Node()
        self.conflicts: list[RouteConflict] = []
        for operation in operations:
            bases = dict.fromkeys(b for s in operation.servers for b in s.base_paths) or {"": None}
            for base in bases:
                self._insert(base, operation)

    # -- building -------------------------------------------------------------------------

    def _insert(self, base: str, operation: Operation) -> None:
        node = self._root
        names: list[str] = []
        for segment in split_path(base):
            node = node.literal.setdefault(segment, _Node())
        for segment in operation.path.strip("/").split("/") if operation.path.strip("/") else []:
            node = self._child(node, segment, names)
        method = operation.method.upper()
        existing = node.routes.get(method)
        if existing is not None:
            if existing.operation is not operation:
                self.conflicts.append(RouteConflict(existing.operation, operation, base))
            return
        node.routes[method] = _Route(operation, tuple(names), base)

    @staticmethod
    def _child(node: _Node, segment: str, names: list[str]) -> _Node:
        whole = _WHOLE_PARAMETER.fullmatch(segment)
        if whole:
            names.append(whole.group(1))
            if node.param is None:
                node.param = _Node()
            return node.param
        pieces = _TEMPLATE_PIECES.split(segment)
        if len(pieces) == 1 or "{" in "".join(pieces[::2]) or "}" in "".join(pieces[::2]):
            # no variables, or unbalanced braces: a literal segment
            literal = unquote(segment) if "%" in segment else segment
            return node.literal.setdefault(literal, _Node())
        regex = ""
        literal_chars = 0
        for index, piece in enumerate(pieces):
            if index % 2:  # a {variable}
                names.append(piece[1:-1])
                regex += "(.+)"
            else:
                text = unquote(piece) if "%" in piece else piece
                literal_chars += len(text)
                regex += re.escape(text)
        child = node.partial_keys.get(regex)
        if child is None:
            child = _Node()
            node.partial_keys[regex] = child
            node.partial.append((re.compile(regex, re.DOTALL), child, literal_chars))
            node.partial.sort(key=lambda entry: -entry[2])
        return child

    # -- matching ---------------------------------------------------------------------------

    def match(self, method: str, path: str) -> MatchResult:
        segments = split_path(path)
        method = method.upper()
        path_only: list[_Node] = []
        found = self._search(self._root, segments, 0, (), method, path_only)
        if found is not None:
            route, values = found
            return MatchResult(
                MatchStatus.MATCHED,
                operation=route.operation,
                path_params=dict(zip(route.names, values, strict=False)),
                base_path=route.base_path,
            )
        if path_only:
            allowed = {m for node in path_only for m in node.routes}
            return MatchResult(
                MatchStatus.METHOD_NOT_ALLOWED,
                allowed_methods=tuple(sorted(allowed, key=lambda m: _METHOD_ORDER.get(m, 99))),
            )
        return MatchResult(MatchStatus.NO_SUCH_PATH)

    def _search(
        self,
        node: _Node,
        segments: list[str],
        index: int,
        values: tuple[str, ...],
        method: str,
        path_only: list[_Node],
    ) -> tuple[_Route, tuple[str, ...]] | None:
        if index == len(segments):
            if node.routes:
                route = node.routes.get(method)
                if route is not None:
                    return route, values
                path_only.append(node)
            return None
        segment = segments[index]
        child = node.literal.get(segment)
        if child is not None:
            found = self._search(child, segments, index + 1, values, method, path_only)
            if found is not None:
                return found
        for regex, child, _ in node.partial:
            groups = regex.fullmatch(segment)
            if groups is not None:
                found = self._search(
                    child, segments, index + 1, values + groups.groups(), method, path_only
                )
                if found is not None:
                    return found
        if node.param is not None and segment:
            return self._search(
                node.param, segments, index + 1, (*values, segment), method, path_only
            )
        return None
