"""Comparing two schemas in one direction: the findings, located by body pointer.

`SchemaComparer.compare` walks both schemas together, following refs on each side. Its
results depend only on the two nodes and the side, so they are memoised on (old node, new
node, side) identity: a component used by 500 operations is compared once, and a recursive
schema stops where the same pair comes round again. Findings carry pointers *relative* to
the schemas compared; the caller prefixes its own place.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from entente_daemon.diff.changes import Side
from entente_daemon.diff.views import Bound, SchemaView, Sub, ViewBuilder, deref, enum_key
from entente_daemon.openapi import pointer as jp

#: (id(old node), id(new node), side): one pair of schemas compared
PairKey = tuple[int, int, Side]
#: (body pointer segment, child pair)
Edge = tuple[str, PairKey]

#: format pairs where the second accepts every value of the first
_WIDER_FORMATS = frozenset({("int32", "int64"), ("float", "double"), ("int32", "double")})


@dataclass(frozen=True)
class Finding:
    """One schema difference. ``kind`` is a catalogue schema kind (``type-changed``) or a
    property kind (``property-removed``); ``pointer`` is relative to the compared schemas;
    ``spec_pointer``/``old_spec_pointer`` are the places in the new and old documents;
    ``gone`` says the place exists only in the old one."""

    kind: str
    pointer: str
    spec_pointer: str
    old_spec_pointer: str
    detail: str
    old: Any = None
    new: Any = None
    gone: bool = False

    def under(self, prefix: str) -> Finding:
        if not prefix:
            return self
        return Finding(
            self.kind,
            prefix + self.pointer,
            self.spec_pointer,
            self.old_spec_pointer,
            self.detail,
            self.old,
            self.new,
            self.gone,
        )


def _first_of_each(findings: list[Finding]) -> tuple[Finding, ...]:
    """One finding per (kind, place in the documents): a component reached along several
    paths of one body (Stripe's expandable fields reach the same object dozens of ways) is
    reported once, at its shortest body pointer. Without this the findings multiply with
    every level of nesting."""
    best: dict[tuple[str, str, str], Finding] = {}
    for finding in findings:
        key = (finding.kind, finding.spec_pointer, finding.old_spec_pointer)
        kept = best.get(key)
        if kept is None or len(finding.pointer) < len(kept.pointer):
            best[key] = finding
    if len(best) == len(findings):
        return tuple(findings)
    chosen = {id(f) for f in best.values()}
    return tuple(f for f in findings if id(f) in chosen)


def _accepts(types: frozenset[str] | None, kind: str) -> bool:
    return types is None or kind in types or (kind == "integer" and "number" in types)


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Does every value of type set ``narrow`` pass type set ``wide``?"""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(_accepts(wide, t) for t in narrow)


def _fmt_types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _fmt_bound(bound: Bound | int | None) -> str:
    if bound is None:
        return "none"
    if isinstance(bound, tuple):
        value = int(bound[0]) if bound[0].is_integer() else bound[0]
        return f"{value} (exclusive)" if bound[1] else str(value)
    return str(bound)


def _max_tighter(old: Any, new: Any) -> bool:
    if new is None:
        return False
    if old is None:
        return True
    if isinstance(new, tuple):
        return bool(new[0] < old[0] or (new[0] == old[0] and new[1] and not old[1]))
    return bool(new < old)


def _min_tighter(old: Any, new: Any) -> bool:
    if new is None:
        return False
    if old is None:
        return True
    if isinstance(new, tuple):
        return bool(new[0] > old[0] or (new[0] == old[0] and new[1] and not old[1]))
    return bool(new > old)


#: (view attribute, keyword, is an upper bound, kind when tightened, kind when loosened)
_BOUNDS: tuple[tuple[str, str, bool, str, str], ...] = (
    ("maximum", "maximum", True, "max-decreased", "max-increased"),
    ("minimum", "minimum", False, "min-increased", "min-decreased"),
    ("max_length", "maxLength", True, "max-length-decreased", "max-length-increased"),
    ("min_length", "minLength", False, "min-length-increased", "min-length-decreased"),
    ("max_items", "maxItems", True, "max-items-decreased", "max-items-increased"),
    ("min_items", "minItems", False, "min-items-increased", "min-items-decreased"),
)


class SchemaComparer:
    """Compares schemas of an old and a new document (one instance per spec pair)."""

    def __init__(self, resolve_old: Callable[[str], Any], resolve_new: Callable[[str], Any]):
        self._old = ViewBuilder(resolve_old)
        self._new = ViewBuilder(resolve_new)
        # pair → (old node, new node, its own findings, (body pointer segment, child pair))
        self._graph: dict[PairKey, tuple[Any, Any, tuple[Finding, ...], tuple[Edge, ...]]] = {}
        self._building: set[PairKey] = set()
        self._collected: dict[PairKey, tuple[Finding, ...]] = {}
        self._keep: list[tuple[Any, Any]] = []
        self._refs: dict[int, tuple[Any, frozenset[str]]] = {}
        self._stable_refs: dict[str, bool] = {}

    def compare(self, old: Sub, new: Sub, side: Side) -> tuple[Finding, ...]:
        """Findings between two schemas (raw nodes with their pointers) on ``side``: the
        pair's own, then those of every pair reachable from it, breadth first, each pair
        once, at the first (shortest) body pointer it is reached by."""
        start = self._node(old, new, side)
        cached = self._collected.get(start)
        if cached is not None:
            return cached
        found: list[Finding] = []
        seen = {start}
        queue: deque[tuple[PairKey, str]] = deque([(start, "")])
        complete = True
        while queue:
            key, prefix = queue.popleft()
            entry = self._graph.get(key)
            if entry is None:  # still being built (a branch check inside a cycle)
                complete = False
                continue
            found.extend(f.under(prefix) for f in entry[2])
            for segment, child in entry[3]:
                if child not in seen:
                    seen.add(child)
                    queue.append((child, prefix + segment))
        result = _first_of_each(found)
        if complete:
            self._collected[start] = result
        return result

    def _node(self, old: Sub, new: Sub, side: Side) -> PairKey:
        """The pair's key, its entry built (own findings, edges to child pairs) if new.
        Building follows children depth first; a pair already being built is just linked
        to, so recursive schemas end."""
        old_node, old_at = deref(old[0], old[1], self._old.resolve)
        new_node, new_at = deref(new[0], new[1], self._new.resolve)
        key = (id(old_node), id(new_node), side)
        if key in self._graph or key in self._building:
            return key
        self._keep.append((old_node, new_node))  # ids stay unique while the key lives
        if old_node is new_node or self._unchanged(old_node, new_node):
            self._graph[key] = (old_node, new_node, (), ())
            return key
        self._building.add(key)
        edges: list[tuple[str, PairKey]] = []
        try:
            own = self._compare_views(
                self._old.view(old_node, old_at),
                self._new.view(new_node, new_at),
                old_at,
                new_at,
                side,
                edges,
            )
        finally:
            self._building.discard(key)
        self._graph[key] = (old_node, new_node, tuple(own), tuple(edges))
        return key

    # -- the fast path: the same text, reaching only unchanged components ----------------

    def _unchanged(self, old: Any, new: Any) -> bool:
        """Equal as written, and every ref inside leads to a component equal in both
        documents (and so on down): then nothing below can differ. Equality is checked in C,
        far faster than walking; most of a spec does not change between two versions."""
        if old != new:
            return False
        return all(self._stable(ref) for ref in self._refs_in(old))

    def _refs_in(self, node: Any) -> frozenset[str]:
        if isinstance(node, list):
            return frozenset().union(*(self._refs_in(item) for item in node))
        if not isinstance(node, dict):
            return frozenset()
        key = id(node)
        cached = self._refs.get(key)
        if cached is not None and cached[0] is node:
            return cached[1]
        found: set[str] = set()
        for name, value in node.items():
            if name == "$ref" and isinstance(value, str):
                found.add(value)
            elif isinstance(value, dict | list):
                found |= self._refs_in(value)
        result = frozenset(found)
        self._refs[key] = (node, result)
        return result

    def _stable(self, ref: str) -> bool:
        """Is the component at ``ref`` the same in both documents, and so is every component
        it reaches? A search over the refs it reaches (cycles are fine: each is visited once);
        a stable answer holds for every component visited, since each reaches no more than
        the start does."""
        known = self._stable_refs.get(ref)
        if known is not None:
            return known
        visited: set[str] = set()
        todo = [ref]
        while todo:
            here = todo.pop()
            if here in visited or self._stable_refs.get(here) is True:
                continue
            visited.add(here)
            if self._stable_refs.get(here) is False or not self._same_content(here):
                self._stable_refs[ref] = False
                return False
            todo.extend(self._refs_in(self._old.resolve(here)))
        for here in visited:
            self._stable_refs[here] = True
        return True

    def _same_content(self, ref: str) -> bool:
        """The component's own text is equal in both (refs inside compared as written)."""
        try:
            return bool(self._old.resolve(ref) == self._new.resolve(ref))
        except Exception:  # gone from one side (or broken)
            return False

    # -- one level -------------------------------------------------------------------------

    def _compare_views(
        self,
        old: SchemaView,
        new: SchemaView,
        old_at: str,
        new_at: str,
        side: Side,
        edges: list[Edge],
    ) -> list[Finding]:
        out: list[Finding] = []

        def add(kind: str, detail: str, old_value: Any = None, new_value: Any = None) -> None:
            out.append(Finding(kind, "", new_at, old_at, detail, old_value, new_value))

        request = side is Side.REQUEST
        if old.types != new.types:
            broken = (
                not _covers(new.types, old.types) if request else not _covers(old.types, new.types)
            )
            if broken:
                add(
                    "type-changed",
                    f"type {_fmt_types(old.types)} → {_fmt_types(new.types)}",
                    None if old.types is None else sorted(old.types),
                    None if new.types is None else sorted(new.types),
                )
                return out  # below a changed type, the rest is noise
        if request and old.nullable and not new.nullable:
            add("nullable-removed", "null no longer accepted")
        if not request and new.nullable and not old.nullable:
            add("nullable-added", "may now be null")
        self._formats(old, new, request, add)
        self._bounds(old, new, request, add)
        self._enums(old, new, request, add)
        out.extend(self._objects(old, new, side, old_at, new_at, edges))
        if old.items is not None and new.items is not None:
            edges.append(("/*", self._node(old.items, new.items, side)))
        if old.branches or new.branches:
            out.extend(self._branches(old.branches, new.branches, side, old_at, new_at, edges))
        return out

    @staticmethod
    def _formats(old: SchemaView, new: SchemaView, request: bool, add: Callable[..., None]) -> None:
        if old.format != new.format:
            if request:
                changed = new.format is not None and (old.format, new.format) not in _WIDER_FORMATS
            else:
                changed = old.format is not None and (new.format, old.format) not in _WIDER_FORMATS
            if changed:
                add(
                    "format-changed",
                    f"format {old.format or 'none'} → {new.format or 'none'}",
                    old.format,
                    new.format,
                )
        if old.pattern != new.pattern:
            if request and old.pattern is None:
                add("pattern-added", f"pattern {new.pattern!r} added", None, new.pattern)
            elif old.pattern is not None and (request or new.pattern != old.pattern):
                add(
                    "pattern-changed",
                    f"pattern {old.pattern!r} → {new.pattern!r}",
                    old.pattern,
                    new.pattern,
                )

    @staticmethod
    def _bounds(old: SchemaView, new: SchemaView, request: bool, add: Callable[..., None]) -> None:
        for attr, keyword, upper, tightened, loosened in _BOUNDS:
            a, b = getattr(old, attr), getattr(new, attr)
            if a == b:
                continue
            tighter = _max_tighter if upper else _min_tighter
            if request and tighter(a, b):
                add(tightened, f"{keyword} {_fmt_bound(a)} → {_fmt_bound(b)}", a, b)
            elif not request and tighter(b, a):
                add(loosened, f"{keyword} {_fmt_bound(a)} → {_fmt_bound(b)}", a, b)

    @staticmethod
    def _enums(old: SchemaView, new: SchemaView, request: bool, add: Callable[..., None]) -> None:
        if old.enum == new.enum:
            return
        if old.enum is None:
            if request:
                add("enum-added", f"now limited to {list(new.enum or ())}", None, new.enum)
            return
        if new.enum is None:
            if not request:
                add("enum-removed", "no longer limited to an enum", list(old.enum), None)
            return
        old_keys = {enum_key(v): v for v in old.enum}
        new_keys = {enum_key(v): v for v in new.enum}
        removed = [v for k, v in old_keys.items() if k not in new_keys]
        added = [v for k, v in new_keys.items() if k not in old_keys]
        if request and removed:
            add("enum-value-removed", f"enum values removed: {removed}", removed, None)
        if added:
            add("enum-value-added", f"enum values added: {added}", None, added)

    def _objects(
        self,
        old: SchemaView,
        new: SchemaView,
        side: Side,
        old_at: str,
        new_at: str,
        edges: list[Edge],
    ) -> list[Finding]:
        out: list[Finding] = []
        request = side is Side.REQUEST
        if request and old.additional is not False and new.additional is False:
            out.append(
                Finding(
                    "additional-properties-closed",
                    "",
                    new_at,
                    old_at,
                    "additionalProperties closed: no other properties accepted",
                )
            )
        if isinstance(old.additional, tuple) and isinstance(new.additional, tuple):
            edges.append(("/*", self._node(old.additional, new.additional, side)))
        if not (old.properties or new.properties or old.required or new.required):
            return out
        hidden_old = _hidden(old, request, self._old)
        hidden_new = _hidden(new, request, self._new)
        old_required = old.required - hidden_old
        new_required = new.required - hidden_new
        for name, sub in new.properties.items():
            if name in old.properties:
                continue
            here = "/" + jp.escape(name)
            if name in hidden_new:
                continue
            if request and name in new_required:
                kind, detail = "property-added-required", f"new required property {name!r}"
            else:
                kind, detail = "property-added", f"new property {name!r}"
            out.append(Finding(kind, here, sub[1], "", detail))
        for name, old_sub in old.properties.items():
            here = "/" + jp.escape(name)
            new_sub = new.properties.get(name)
            if new_sub is None:
                if name in hidden_old:
                    continue
                out.append(
                    Finding(
                        "property-removed",
                        here,
                        old_sub[1],
                        old_sub[1],
                        f"property {name!r} removed",
                        gone=True,
                    )
                )
                continue
            if request:
                if name not in hidden_old and name in hidden_new:
                    out.append(
                        Finding(
                            "property-became-read-only",
                            here,
                            new_sub[1],
                            old_sub[1],
                            f"{name!r} became readOnly",
                        )
                    )
                    continue
                if name in new_required and name not in old_required:
                    out.append(
                        Finding(
                            "property-became-required",
                            here,
                            new_sub[1],
                            old_sub[1],
                            f"{name!r} became required",
                        )
                    )
                elif name in old_required and name not in new_required:
                    out.append(
                        Finding(
                            "property-became-optional",
                            here,
                            new_sub[1],
                            old_sub[1],
                            f"{name!r} became optional",
                        )
                    )
            else:
                if name not in hidden_old and name in hidden_new:
                    out.append(
                        Finding(
                            "property-became-write-only",
                            here,
                            new_sub[1],
                            old_sub[1],
                            f"{name!r} became writeOnly: no longer returned",
                        )
                    )
                    continue
                if name in old_required and name not in new_required:
                    out.append(
                        Finding(
                            "property-became-optional",
                            here,
                            new_sub[1],
                            old_sub[1],
                            f"{name!r} became optional",
                        )
                    )
            edges.append((here, self._node(old_sub, new_sub, side)))
        if request:
            # required without a declared property (``required: [x]`` alone)
            for name in sorted(new_required - old_required):
                if name not in new.properties:
                    out.append(
                        Finding(
                            "property-became-required",
                            "/" + jp.escape(name),
                            new_at,
                            old_at,
                            f"{name!r} became required",
                        )
                    )
        return out

    def _branches(
        self,
        old: tuple[Sub, ...],
        new: tuple[Sub, ...],
        side: Side,
        old_at: str,
        new_at: str,
        edges: list[Edge],
    ) -> list[Finding]:
        """Pair each old alternative with a new one that compares clean; pair what is left
        in order when the counts agree; the rest were removed or added."""
        unpaired_new = list(range(len(new)))
        left_old: list[int] = []
        for i, branch in enumerate(old):
            match = next((j for j in unpaired_new if not self.compare(branch, new[j], side)), None)
            if match is None:
                left_old.append(i)
            else:
                unpaired_new.remove(match)
        out: list[Finding] = []
        if not old or not new:
            return out  # a oneOf appearing or going away: the types said what matters
        if len(left_old) == len(unpaired_new):
            for i, j in zip(left_old, unpaired_new, strict=True):
                edges.append(("", self._node(old[i], new[j], side)))
            return out
        if side is Side.REQUEST:
            for i in left_old:
                out.append(
                    Finding(
                        "branch-removed",
                        "",
                        new_at,
                        old[i][1],
                        f"alternative {_branch_name(old[i])} removed",
                    )
                )
        else:
            for j in unpaired_new:
                out.append(
                    Finding(
                        "branch-added",
                        "",
                        new[j][1],
                        old_at,
                        f"alternative {_branch_name(new[j])} added",
                    )
                )
        return out


def _branch_name(sub: Sub) -> str:
    node, at = sub
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return str(node["$ref"]).rsplit("/", 1)[-1]
    return at.rsplit("/", 2)[-2] + "/" + at.rsplit("/", 1)[-1] if "/" in at else "#"


def _hidden(view: SchemaView, request: bool, builder: ViewBuilder) -> frozenset[str]:
    """Properties that do not appear on this side: readOnly ones in a request, writeOnly
    ones in a response (read from the property's own schema and its allOf members, without
    building views: this runs for every object compared)."""
    flag = "readOnly" if request else "writeOnly"
    hidden = set()
    for name, (node, at) in view.properties.items():
        target, _ = deref(node, at, builder.resolve)
        if not isinstance(target, dict):
            continue
        if target.get(flag) is True:
            hidden.add(name)
            continue
        members = target.get("allOf")
        if isinstance(members, list) and any(
            isinstance(m := deref(member, "", builder.resolve)[0], dict) and m.get(flag) is True
            for member in members
        ):
            hidden.add(name)
    return frozenset(hidden)
