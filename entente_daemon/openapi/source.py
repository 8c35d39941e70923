"""Reading one spec file (YAML or JSON) into plain data plus a map from JSON pointer to the
line and column where each value is written, so that every later complaint can say where.

YAML is composed into nodes (libyaml's C composer when available: it keeps the marks that
``yaml.safe_load`` throws away) and the data is built from those nodes here, in the same walk
that records positions. Building it ourselves also fixes three YAML habits that break
OpenAPI documents downstream: mapping keys are always strings (``200:`` is ``"200"``),
timestamps stay strings (``example: 2024-01-31`` is not a ``date``) and unknown tags are read
as plain values. Anchors, aliases and ``<<`` merge keys work as in any YAML loader; an aliased
node is built once and shared.

Sharing keeps loading cheap, but whatever later walks or encodes the data (the validator, the
mock serving an example as JSON) sees every alias expanded: a "billion laughs" (nested
anchors, each aliased ten times) is a few lines of YAML and billions of values once written
out. So the walk counts the values that aliases add (each alias counted as every value it
expands to) and refuses a file whose aliases add more than `MAX_ALIAS_VALUES`, naming the
alias where the budget ran out. A file larger
than `MAX_SPEC_FILE_BYTES` is refused before it is parsed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from prance.util import fs as prance_fs
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from entente_daemon.openapi import pointer as jp
from entente_daemon.openapi.errors import SpecError, SpecWarning

_Loader: type[yaml.SafeLoader]
try:
    _Loader = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_TYPED_SCALARS = frozenset(
    {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}
)
_NULL = "tag:yaml.org,2002:null"

Position = tuple[int, int]

#: The most values (mappings, lists and scalars) the YAML aliases of one spec file may add
#: once expanded. Aliases that share a parameter list or a schema add a few thousand; only
#: anchors that multiply (a "billion laughs") come near this.
MAX_ALIAS_VALUES = 1_000_000
#: The largest spec file read (the biggest public specs are a few tens of megabytes).
MAX_SPEC_FILE_BYTES = 64 * 1024 * 1024


@dataclass(eq=False)
class SourceFile:
    """One parsed file. ``path`` is absolute; ``data`` is what the file says (the bundler
    later rewrites ``$ref`` in it in place)."""

    path: Path
    data: Any
    text: str
    is_json: bool
    warnings: list[SpecWarning] = field(default_factory=list)
    _positions: dict[str, Position] | None = None

    @property
    def positions(self) -> dict[str, Position]:
        if self._positions is None:
            # JSON is read with the json module (fast, exact errors); its line map is only
            # needed when something has to be reported, so it is built on first use.
            self._positions = _json_positions(self.text)
        return self._positions

    def position(self, pointer: str) -> tuple[int | None, int | None]:
        """Line and column of ``pointer``, or of the nearest enclosing value that has one."""
        positions = self.positions
        while True:
            found = positions.get(pointer)
            if found is not None:
                return found
            if not pointer:
                return (None, None)
            pointer = jp.parent(pointer)

    def error(self, message: str, pointer: str = "") -> SpecError:
        line, column = self.position(pointer)
        return SpecError(message, file=self.path, line=line, column=column, pointer=pointer)

    def warning(self, message: str, pointer: str = "", source: str = "loader") -> SpecWarning:
        line, column = self.position(pointer)
        return SpecWarning(
            message, file=self.path, line=line, column=column, pointer=pointer, source=source
        )


def read_source(path: Path, *, referenced_from: str | None = None) -> SourceFile:
    """Read and parse ``path``. Raises `SpecError` (never another exception) when it cannot
    be read or is not well-formed YAML/JSON."""
    suffix = f" (referenced from {referenced_from})" if referenced_from else ""
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_FILE_BYTES:
            raise SpecError(
                f"the file is {size:,} bytes; Entente reads spec files of at most "
                f"{MAX_SPEC_FILE_BYTES:,} bytes{suffix}",
                file=path,
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"no such file{suffix}", file=path) from None
    except IsADirectoryError:
        raise SpecError(f"is a directory, not a spec file{suffix}", file=path) from None
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror}{suffix}", file=path) from None
    encoding_note: str | None = None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text, encoding_note = _decode_other(raw, exc, path)
    try:
        source = parse_source(text, path)
        if encoding_note:
            source.warnings.append(source.warning(encoding_note, source="loader"))
        return source
    except SpecError as exc:
        if not suffix:
            raise
        raise SpecError(
            exc.message + suffix,
            file=exc.file,
            line=exc.line,
            column=exc.column,
            pointer=exc.pointer,
        ) from None


def _decode_other(raw: bytes, error: UnicodeDecodeError, path: Path) -> tuple[str, str]:
    """Decode a file that is not UTF-8 with the encoding prance detects (BOMs, chardet):
    specs saved as UTF-16 or a Windows code page still load, with a warning."""
    line = raw[: error.start].count(b"\n") + 1
    try:
        encoding = prance_fs.detect_encoding(str(path), read_all=True)
        text = raw.decode(encoding)
    except (LookupError, UnicodeDecodeError, OSError, TypeError, AttributeError):
        raise SpecError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x}) and no other encoding fits; "
            "save the file as UTF-8",
            file=path,
            line=line,
        ) from None
    note = (
        f"not UTF-8 (byte 0x{raw[error.start]:02x} at line {line}); read as {encoding}, "
        "as detected; save the file as UTF-8 to be sure"
    )
    return text.removeprefix("\ufeff"), note


def parse_source(text: str, path: Path) -> SourceFile:
    """Parse ``text`` as the content of ``path`` (JSON if it is named ``*.json``, else YAML,
    which also reads JSON)."""
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                f"JSON syntax error: {exc.msg}", file=path, line=exc.lineno, column=exc.colno
            ) from None
        except RecursionError:
            raise SpecError("JSON nested too deeply", file=path) from None
        source = SourceFile(path=path, data=data, text=text, is_json=True)
    else:
        builder = _Builder(path)
        data = builder.load(text)
        source = SourceFile(
            path=path,
            data=data,
            text=text,
            is_json=False,
            warnings=builder.warnings,
            _positions=builder.positions,
        )
    if source.data is None:
        raise SpecError("the file is empty", file=path, line=1)
    return source


def _json_positions(text: str) -> dict[str, Position]:
    # JSON is YAML as far as positions go; tabs are only legal between tokens in JSON, where
    # a space does as well and keeps every column where it was.
    builder = _Builder(Path("<json>"))
    try:
        builder.load(text.replace("\t", " "))
    except SpecError:
        return {"": (1, 1)}
    return builder.positions


def _mark(node: Node) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Composes YAML and builds data and positions from the nodes in one walk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.positions: dict[str, Position] = {}
        self.warnings: list[SpecWarning] = []
        self._built: dict[int, Any] = {}
        self._sizes: dict[int, int] = {}  # node -> how many values it holds, aliases expanded
        self._alias_values = 0  # values the aliases met so far expand to
        self._open: set[int] = set()
        self._loader: yaml.SafeLoader | None = None

    def load(self, text: str) -> Any:
        loader = _Loader(text)
        self._loader = loader
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            self.positions[""] = _mark(node)
            return self._build(node, "")[0]
        except yaml.MarkedYAMLError as exc:
            raise self._syntax_error(exc) from None
        except yaml.YAMLError as exc:  # unmarked (e.g. reader errors)
            raise SpecError(f"YAML error: {exc}", file=self.path) from None
        except RecursionError:
            raise SpecError("YAML nested too deeply", file=self.path) from None
        finally:
            loader.dispose()

    def _syntax_error(self, exc: yaml.MarkedYAMLError) -> SpecError:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "malformed YAML"
        if exc.context and exc.problem:
            message += f" ({exc.context}"
            cm = exc.context_mark
            if cm is not None and (mark is None or cm.line != mark.line):
                message += f" at line {cm.line + 1}"
            message += ")"
        return SpecError(
            f"YAML syntax error: {message}",
            file=self.path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        )

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag in _TYPED_SCALARS:
            constructor = self._loader.yaml_constructors[tag]  # type: ignore[union-attr]
            return constructor(self._loader, node)
        if tag == _NULL:
            return None
        # timestamps, !!binary, custom tags: the text as written is what JSON would hold
        return node.value

    def _build(self, node: Node, pointer: str) -> tuple[Any, int]:
        """The value of ``node`` and how many values it holds with aliases expanded."""
        if isinstance(node, ScalarNode):
            return self._scalar(node), 1
        key = id(node)
        if key in self._open:
            raise SpecError(
                "a YAML alias refers to a node that contains it (recursive alias)",
                file=self.path,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
            )
        if key in self._built:  # an alias: share what the anchor built
            size = self._sizes[key]
            self._count_alias(size, node, pointer)
            return self._built[key], size
        self._open.add(key)
        try:
            size = 1
            if isinstance(node, SequenceNode):
                items: list[Any] = []
                self._built[key] = items
                for index, item in enumerate(node.value):
                    child = f"{pointer}/{index}"
                    if id(item) not in self._built:  # an alias has no mark of its own
                        self.positions.setdefault(child, _mark(item))
                    value, grown = self._build(item, child)
                    items.append(value)
                    size += grown
                self._sizes[key] = size
                return items, size
            assert isinstance(node, MappingNode)
            self._check_duplicates(node, pointer)
            self._loader.flatten_mapping(node)  # type: ignore[union-attr]  # `<<` merge keys
            mapping: dict[str, Any] = {}
            self._built[key] = mapping
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise SpecError(
                        "a mapping key must be a plain value, not a list or mapping",
                        file=self.path,
                        line=key_node.start_mark.line + 1,
                        column=key_node.start_mark.column + 1,
                        pointer=pointer,
                    )
                name = str(key_node.value)
                child = pointer + "/" + jp.escape(name)
                self.positions[child] = _mark(key_node)  # a later (own or duplicate) key wins
                mapping[name], grown = self._build(value_node, child)
                size += grown
            self._sizes[key] = size
            return mapping, size
        finally:
            self._open.discard(key)

    def _count_alias(self, values: int, node: Node, pointer: str) -> None:
        """Add what an alias expands to to the file's total; refuse the file past the budget."""
        self._alias_values += values
        if self._alias_values <= MAX_ALIAS_VALUES:
            return
        where = pointer
        while where not in self.positions and where:
            where = jp.parent(where)
        line, column = self.positions.get(where) or _mark(node)
        raise SpecError(
            f"YAML aliases expand to more than {MAX_ALIAS_VALUES:,} values (the alias here "
            f"adds {values:,}; nested anchors that multiply, a 'billion laughs'?); "
            "Entente does not load this file",
            file=self.path,
            line=line,
            column=column,
            pointer=pointer,
        )

    def _check_duplicates(self, node: MappingNode, pointer: str) -> None:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            name = str(key_node.value)
            if name in seen:
                line, column = _mark(key_node)
                self.warnings.append(
                    SpecWarning(
                        f"duplicate key {name!r}; the later value is used",
                        file=self.path,
                        line=line,
                        column=column,
                        pointer=pointer + "/" + jp.escape(name),
                        source="yaml",
                    )
                )
            seen.add(name)
