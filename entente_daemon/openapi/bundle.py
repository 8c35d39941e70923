"""Bundling: one self-contained document out of a spec spread over several files.

Why not prance's ``RefResolver(resolve_types=RESOLVE_FILES, resolve_method=TRANSLATE_EXTERNAL)``?
Tried on ``tests/specs/multifile`` (prance 26.7.19.0) it

* names every copied target ``<file name>_<pointer minus its first token>``, so
  ``castle.yaml#/Castle``, ``castle.yaml#/CastleCreate`` and ``paths/castle.yaml#/item`` all
  become ``castle.yaml_`` and overwrite one another;
* files everything under ``components/schemas``, path items, parameters and responses
  included, and points ``paths`` entries at ``#/components/schemas/...``;
* leaves a file's references to its own parts (``#/Region`` inside ``castle.yaml``)
  unchanged, so in the bundle they point into the root document, where there is no such thing;
* raises on recursion across files unless told to keep the ref, and then keeps the
  *relative file* ref, which the bundle cannot resolve;
* reports a missing file or pointer without saying where the ``$ref`` is written.

So the bundling is done here, with the same idea (copy what other files define into the
document, rewrite refs to internal ones) but knowing the OpenAPI structure:

* a ``$ref`` in a schema position is *hoisted*: the target schema is copied once into
  ``components/schemas`` (``definitions`` for Swagger 2.0) under a readable, unique name
  (``Castle``, ``castle_Castle``, ``Castle_2``), and every ref to it becomes
  ``#/components/schemas/Castle``. Recursion, within or across files, costs nothing: a ref
  to a target being copied simply gets its name.
* a ``$ref`` anywhere else (path items, parameters, responses, examples...) to another file
  is replaced by a copy of its target (shared between sites), as those objects cannot all be
  put into ``components`` in every OpenAPI version. Refs to the root document stay as they
  are (``#/components/parameters/CastleId``); `Spec.deref` follows them.
* refs in another file to that same file (``#/Region``) are treated as refs to that file.
* literal values (``example``, ``examples`` values, ``default``, ``enum``, ``const``,
  ``x-*`` extensions) are never searched for refs.
* a ref to a file outside the spec's own folder tree (and the other folders the caller
  allows, `RefRoots`) is refused before the file is opened: a spec cannot read
  ``/etc/passwd`` into a warning or an example.

Along the way it records where each part of the bundle came from (``provenance``), so that
a complaint about a bundle pointer can be reported at a file and line, and it checks
``pattern`` regular expressions, as it is the one walk that knows what is a schema.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable
from enum import Enum, auto
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

from entente_daemon.openapi import pointer as jp
from entente_daemon.openapi.errors import SpecWarning, display_path, kind_of
from entente_daemon.openapi.refroots import RefRoots
from entente_daemon.openapi.regex import regex_problem
from entente_daemon.openapi.source import SourceFile, read_source


class _Ctx(Enum):
    ROOT = auto()
    COMPONENTS = auto()
    GENERIC = auto()  # an OpenAPI object (path item, operation, parameter, response...)
    NAMED = auto()  # a map from user-chosen names to OpenAPI objects (paths, responses...)
    SCHEMA = auto()
    SCHEMA_MAP = auto()  # properties, definitions, $defs...: name -> schema
    SCHEMA_LIST = auto()  # allOf, anyOf, oneOf, prefixItems
    DISCRIMINATOR = auto()
    EXAMPLES = auto()  # name -> Example object
    EXAMPLE = auto()
    EXAMPLES_V2 = auto()  # Swagger 2.0 response examples: media type -> literal value
    LITERAL = auto()


_LITERAL_IN_SCHEMA = frozenset(
    {"example", "examples", "default", "enum", "const", "xml", "externalDocs"}
)
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"}
)
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_NAMED_IN_GENERIC = frozenset(
    {
        "paths",
        "webhooks",
        "responses",
        "content",
        "headers",
        "callbacks",
        "encoding",
        "links",
        "securityDefinitions",
        "variables",
    }
)
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_FRAGMENT_SAFE = "/~!$&'()*+,;=:@{}"


def ref_fragment(pointer: str) -> str:
    """``"#" + pointer`` percent-encoded as a URI fragment (what `$ref` values hold)."""
    return "#" + quote(pointer, safe=_FRAGMENT_SAFE)


class Bundle:
    """The result: ``document`` plus what is needed to report places in it."""

    def __init__(
        self,
        document: dict[str, Any],
        sources: dict[Path, SourceFile],
        provenance: dict[str, tuple[SourceFile, str]],
        warnings: list[SpecWarning],
    ) -> None:
        self.document = document
        self.sources = sources
        self.provenance = provenance
        self.warnings = warnings

    @property
    def files(self) -> list[Path]:
        return list(self.sources)


class Bundler:
    """Builds a `Bundle` from a parsed root file. ``version`` is ``"2.0"``, ``"3.0"`` or
    ``"3.1"``; ``read_files`` is False for in-memory specs that must not touch the disk
    (then any ref to another file is an error)."""

    def __init__(
        self,
        root: SourceFile,
        version: str,
        *,
        read_files: bool = True,
        ref_roots: Iterable[Path] = (),
    ) -> None:
        self.root = root
        self.version = version
        self.read_files = read_files
        self.ref_roots = RefRoots(root.path.parent, ref_roots)
        self.sources: dict[Path, SourceFile] = {root.path: root}
        self.warnings: list[SpecWarning] = list(root.warnings)
        self.provenance: dict[str, tuple[SourceFile, str]] = {"": (root, "")}
        if version == "2.0":
            self.section_pointer = "/definitions"
        else:
            self.section_pointer = "/components/schemas"
        self._hoisted: dict[tuple[Path, str], str] = {}
        self._names: set[str] = set()
        self._aliases: dict[str, tuple[SourceFile, str]] = {}  # root entry that is just a ref
        self._pending: list[tuple[SourceFile, str, str]] = []
        self._memo: dict[int, Any] = {}
        self._inline_memo: dict[tuple[Path, str], Any] = {}
        self._inlining: list[tuple[Path, str]] = []
        self._targets: dict[tuple[Path, str], tuple[SourceFile, str]] = {}
        self._anchor_names: set[str] | None = None

    # -- entry point -----------------------------------------------------------------------

    def bundle(self) -> Bundle:
        data = self.root.data
        section = self._root_section(data)
        self._names.update(section)
        for name, entry in section.items():
            self._preregister_alias(name, entry)
        document = self._walk(data, self.root, "", "", _Ctx.ROOT)
        if self._pending:
            out_section = self._out_section(document)
            while self._pending:
                source, pointer, name = self._pending.pop(0)
                dst = jp.join(self.section_pointer, name)
                self.provenance[dst] = (source, pointer)
                value = jp.resolve(source.data, pointer)
                out_section[name] = self._walk(value, source, pointer, dst, _Ctx.SCHEMA)
        return Bundle(document, self.sources, self.provenance, self.warnings)

    def _root_section(self, data: dict[str, Any]) -> dict[str, Any]:
        node: Any = data
        for token in jp.split(self.section_pointer):
            node = node.get(token) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}

    def _out_section(self, document: dict[str, Any]) -> dict[str, Any]:
        node = document
        done = ""
        for token in jp.split(self.section_pointer):
            done = jp.join(done, token)
            child = node.setdefault(token, {})
            if not isinstance(child, dict):
                raise self.root.error(f"must be a mapping, not {kind_of(child)}", done)
            node = child
        return node

    def _preregister_alias(self, name: str, entry: Any) -> None:
        """``components/schemas/Castle: {$ref: castle.yaml#/Castle}``: copy the target there
        and call it ``Castle``, instead of hoisting it as ``castle_Castle`` behind an alias."""
        if not (isinstance(entry, dict) and len(entry) == 1 and isinstance(entry.get("$ref"), str)):
            return
        where = jp.join(self.section_pointer, name)
        target = self._target(entry["$ref"], self.root, where + "/$ref")
        if target is None:
            return
        source, pointer = target
        if source is self.root or (source.path, pointer) in self._hoisted:
            return
        self._hoisted[(source.path, pointer)] = name
        self._aliases[name] = (source, pointer)

    # -- the walk ----------------------------------------------------------------------------

    def _walk(self, value: Any, src: SourceFile, sp: str, dp: str, ctx: _Ctx) -> Any:
        """A copy of ``value`` (at ``sp`` in ``src``) for bundle pointer ``dp``, refs rewritten."""
        if ctx is _Ctx.LITERAL or not isinstance(value, dict | list):
            return value
        key = id(value)
        done = self._memo.get(key)
        if done is not None:
            return done
        if isinstance(value, list):
            child_ctx = _Ctx.SCHEMA if ctx in (_Ctx.SCHEMA, _Ctx.SCHEMA_LIST) else _Ctx.GENERIC
            items: list[Any] = []
            self._memo[key] = items
            for index, item in enumerate(value):
                items.append(self._walk(item, src, f"{sp}/{index}", f"{dp}/{index}", child_ctx))
            return items
        if ctx is _Ctx.SCHEMA_LIST:  # a mapping where a list belongs: leave it to the validator
            ctx = _Ctx.GENERIC
        ref = value.get("$ref")
        if isinstance(ref, str) and ctx not in (_Ctx.NAMED, _Ctx.SCHEMA_MAP, _Ctx.EXAMPLES):
            result = self._ref(value, ref, src, sp, dp, ctx)
        else:
            result = self._walk_mapping(value, src, sp, dp, ctx)
        self._memo[key] = result
        return result

    def _walk_mapping(
        self, value: dict[str, Any], src: SourceFile, sp: str, dp: str, ctx: _Ctx
    ) -> dict[str, Any]:
        if ctx is _Ctx.DISCRIMINATOR:
            return self._discriminator(value, src, sp)
        if ctx is _Ctx.SCHEMA:
            self._check_patterns(value, src, sp, schema=True)
        elif ctx is _Ctx.GENERIC:
            self._check_patterns(value, src, sp, schema=False)
        out: dict[str, Any] = {}
        for name, child in value.items():
            token = jp.escape(name)
            child_ctx = self._child_ctx(ctx, name)
            if (
                ctx is _Ctx.SCHEMA_MAP
                and src is self.root
                and name in self._aliases
                and sp == self.section_pointer
            ):
                out[name] = self._expand_alias(name, f"{dp}/{token}")
                continue
            out[name] = self._walk(child, src, f"{sp}/{token}", f"{dp}/{token}", child_ctx)
        return out

    def _child_ctx(self, ctx: _Ctx, name: str) -> _Ctx:
        if name.startswith("x-") and ctx not in (_Ctx.NAMED, _Ctx.SCHEMA_MAP, _Ctx.EXAMPLES):
            return _Ctx.LITERAL
        if ctx is _Ctx.SCHEMA:
            if name in _SCHEMA_MAPS:
                return _Ctx.SCHEMA_MAP
            if name in _SCHEMA_LISTS:
                return _Ctx.SCHEMA_LIST
            if name in _LITERAL_IN_SCHEMA:
                return _Ctx.LITERAL
            if name == "discriminator":
                return _Ctx.DISCRIMINATOR
            return _Ctx.SCHEMA
        if ctx is _Ctx.SCHEMA_MAP:
            return _Ctx.SCHEMA
        if ctx is _Ctx.NAMED:
            return _Ctx.GENERIC
        if ctx is _Ctx.EXAMPLES:
            return _Ctx.EXAMPLE
        if ctx in (_Ctx.EXAMPLE, _Ctx.EXAMPLES_V2):
            return _Ctx.LITERAL
        if ctx is _Ctx.ROOT:
            if name == "components":
                return _Ctx.COMPONENTS
            if name == "definitions":
                return _Ctx.SCHEMA_MAP
            if name in ("parameters", "responses"):  # Swagger 2.0 shared objects
                return _Ctx.NAMED
            if name in ("info", "externalDocs", "tags"):
                return _Ctx.LITERAL
        if ctx is _Ctx.COMPONENTS:
            if name == "schemas":
                return _Ctx.SCHEMA_MAP
            if name == "examples":
                return _Ctx.EXAMPLES
            return _Ctx.NAMED
        # GENERIC (and ROOT's other keys)
        if name == "schema":
            return _Ctx.SCHEMA
        if name in ("example", "default", "enum"):
            return _Ctx.LITERAL
        if name == "examples":
            return _Ctx.EXAMPLES_V2 if self.version == "2.0" else _Ctx.EXAMPLES
        if name in _NAMED_IN_GENERIC:
            return _Ctx.NAMED
        return _Ctx.GENERIC

    # -- refs --------------------------------------------------------------------------------

    def _ref(
        self, value: dict[str, Any], ref: str, src: SourceFile, sp: str, dp: str, ctx: _Ctx
    ) -> Any:
        target = self._target(ref, src, sp + "/$ref")
        if target is None:  # an anchor-style ref in the root document: left for JSON Schema
            return self._walk_mapping(value, src, sp, dp, ctx)
        tsrc, tptr = target
        if tsrc is self.root:
            out = self._walk_mapping(value, src, sp, dp, ctx)
            out["$ref"] = ref if src is self.root else ref_fragment(tptr)
            return out
        if ctx is _Ctx.SCHEMA:
            name = self._hoist(tsrc, tptr)
            out = self._walk_mapping(value, src, sp, dp, ctx)
            out["$ref"] = ref_fragment(jp.join(self.section_pointer, name))
            return out
        return self._inline(value, tsrc, tptr, src, sp, dp, ctx)

    def _inline(
        self,
        value: dict[str, Any],
        tsrc: SourceFile,
        tptr: str,
        src: SourceFile,
        sp: str,
        dp: str,
        ctx: _Ctx,
    ) -> Any:
        key = (tsrc.path, tptr)
        self.provenance[dp] = (tsrc, tptr)
        if key in self._inlining:
            chain = " → ".join(f"{display_path(path)}#{p}" for path, p in [*self._inlining, key])
            raise src.error(f"circular $ref between non-schema objects: {chain}", sp + "/$ref")
        result = self._inline_memo.get(key)
        if result is None:
            self._inlining.append(key)
            try:
                target_value = jp.resolve(tsrc.data, tptr)
                result = self._walk(target_value, tsrc, tptr, dp, ctx)
            finally:
                self._inlining.pop()
            self._inline_memo[key] = result
        siblings = {k: v for k, v in value.items() if k != "$ref"}
        if siblings and self.version == "3.1" and isinstance(result, dict):
            # 3.1 Reference Objects may override the target's summary and description
            return {**result, **siblings}
        return result

    def _hoist(self, tsrc: SourceFile, tptr: str) -> str:
        key = (tsrc.path, tptr)
        name = self._hoisted.get(key)
        if name is None:
            name = self._new_name(tsrc, tptr)
            self._hoisted[key] = name
            self._pending.append((tsrc, tptr, name))
        return name

    def _expand_alias(self, name: str, dp: str) -> Any:
        tsrc, tptr = self._aliases[name]
        self.provenance[dp] = (tsrc, tptr)
        return self._walk(jp.resolve(tsrc.data, tptr), tsrc, tptr, dp, _Ctx.SCHEMA)

    def _new_name(self, tsrc: SourceFile, tptr: str) -> str:
        stem = tsrc.path.name.split(".")[0] or "schema"
        tokens = jp.split(tptr)
        if not tokens:
            base = stem
        elif tokens[-1].isdigit() or tokens[-1] in _SCHEMA_WORDS:
            base = "_".join([stem, *tokens])
        else:
            base = tokens[-1]
        base = _NAME_UNSAFE.sub("_", base).strip("_") or "Schema"
        candidates = itertools.chain(
            (base, _NAME_UNSAFE.sub("_", f"{stem}_{base}")),
            (f"{base}_{n}" for n in itertools.count(2)),
        )
        for candidate in candidates:
            if candidate not in self._names:
                self._names.add(candidate)
                return candidate
        raise AssertionError("unreachable: itertools.count never ends")

    def _target(self, ref: str, src: SourceFile, at: str) -> tuple[SourceFile, str] | None:
        """Which file and pointer ``ref`` (written at ``at`` in ``src``) points to. None for a
        ref to a JSON Schema ``$anchor`` in an OpenAPI 3.1 root document."""
        cache_key = (src.path, ref)
        cached = self._targets.get(cache_key)
        if cached is not None:
            return cached
        found = self._find_target(ref, src, at)
        if found is not None:
            self._targets[cache_key] = found
        return found

    def _find_target(self, ref: str, src: SourceFile, at: str) -> tuple[SourceFile, str] | None:
        url, _, fragment = ref.partition("#")
        pointer = jp.from_fragment(fragment)
        if url:
            path = self._ref_path(url, ref, src, at)
            tsrc = self._source(path, ref, src, at)
        else:
            tsrc = src
        if pointer and not pointer.startswith("/"):
            if tsrc is self.root and self.version == "3.1" and pointer in self._anchors():
                return None  # a JSON Schema 2020-12 anchor ($anchor), left for the validator
            raise src.error(
                f"$ref {ref!r}: the part after '#' must be a JSON pointer such as "
                "'#/components/schemas/Castle'",
                at,
            )
        try:
            jp.resolve(tsrc.data, pointer)
        except jp.PointerError as exc:
            where = display_path(tsrc.path)
            if exc.at:
                where += f" at {jp.dotted(exc.at)}"
            raise src.error(
                f"cannot resolve $ref {ref!r}: {where} has no {exc.token!r}", at
            ) from None
        return tsrc, pointer

    def _anchors(self) -> set[str]:
        """Every ``$anchor`` / ``$dynamicAnchor`` name in the root document."""
        if self._anchor_names is None:
            found: set[str] = set()
            stack: list[Any] = [self.root.data]
            while stack:
                value = stack.pop()
                if isinstance(value, dict):
                    for key in ("$anchor", "$dynamicAnchor"):
                        if isinstance(value.get(key), str):
                            found.add(value[key])
                    stack.extend(value.values())
                elif isinstance(value, list):
                    stack.extend(value)
            self._anchor_names = found
        return self._anchor_names

    def _ref_path(self, url: str, ref: str, src: SourceFile, at: str) -> Path:
        if _URL_SCHEME.match(url) and not re.match(r"^[A-Za-z]:[\\/]", url):
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise src.error(
                    f"$ref {ref!r}: remote references are not fetched (Entente works "
                    "offline); download the file and refer to it by a relative path",
                    at,
                )
            return Path(url2pathname(parts.path))
        return Path(os.path.normpath(src.path.parent / unquote(url)))

    def _source(self, path: Path, ref: str, src: SourceFile, at: str) -> SourceFile:
        found = self.sources.get(path)
        if found is not None:
            return found
        if not self.read_files:
            raise src.error(f"$ref {ref!r}: a spec given as text cannot refer to other files", at)
        refusal = self.ref_roots.refusal(path)
        if refusal is not None:  # refused before anything about the file is looked at
            raise src.error(f"$ref {ref!r} refused: {refusal}", at)
        if not path.exists():
            raise src.error(f"cannot resolve $ref {ref!r}: no such file {display_path(path)}", at)
        line, _ = src.position(at)
        where = display_path(src.path) + (f":{line}" if line else "")
        loaded = read_source(path, referenced_from=where)
        self.sources[path] = loaded
        self.warnings.extend(loaded.warnings)
        return loaded

    # -- odds and ends -----------------------------------------------------------------------

    def _discriminator(self, value: dict[str, Any], src: SourceFile, sp: str) -> dict[str, Any]:
        """``discriminator.mapping`` values are refs written as plain strings."""
        mapping = value.get("mapping")
        if not isinstance(mapping, dict):
            return dict(value)
        out_mapping: dict[str, Any] = {}
        for name, target in mapping.items():
            out_mapping[name] = target
            if not isinstance(target, str) or target.startswith("#"):
                continue
            url = target.partition("#")[0]
            if "/" not in target and not url.endswith((".yaml", ".yml", ".json")):
                continue  # a plain schema name
            where = f"{sp}/mapping/{jp.escape(name)}"
            found = self._target(target, src, where)
            if found is None:
                continue
            tsrc, tptr = found
            if tsrc is self.root:
                out_mapping[name] = ref_fragment(tptr)
            else:
                out_mapping[name] = ref_fragment(
                    jp.join(self.section_pointer, self._hoist(tsrc, tptr))
                )
        return {**value, "mapping": out_mapping}

    def _check_patterns(
        self, value: dict[str, Any], src: SourceFile, sp: str, schema: bool
    ) -> None:
        pattern = value.get("pattern")
        if isinstance(pattern, str):
            problem = regex_problem(pattern)
            if problem:
                self.warnings.append(
                    src.warning(
                        f"pattern {pattern!r} is not a valid regular expression ({problem}); "
                        "values are not checked against it",
                        sp + "/pattern",
                        source="regex",
                    )
                )
        if schema:
            props = value.get("patternProperties")
            if isinstance(props, dict):
                for name in props:
                    problem = regex_problem(name)
                    if problem:
                        self.warnings.append(
                            src.warning(
                                f"patternProperties key {name!r} is not a valid regular "
                                f"expression ({problem}); it matches no property",
                                f"{sp}/patternProperties/{jp.escape(name)}",
                                source="regex",
                            )
                        )


_SCHEMA_WORDS = frozenset(
    {
        "schema",
        "items",
        "properties",
        "additionalProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "content",
        "application/json",
    }
)
