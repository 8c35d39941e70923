"""The schemas of one document as the generator sees them, and what it remembers of them.

:class:`SchemaView` resolves references (noting the ones that fail), flattens schemas, tells
which properties a direction hides, finds the references a schema reaches and builds the
validation for a root schema. :class:`SchemaCache` keeps those results between calls, keyed by
the identity of the schema objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from entente_daemon.mock.generate.containers import all_of
from entente_daemon.mock.generate.flatten import Choice, Flat, Schema, absorb, flatten
from entente_daemon.mock.generate.schema_validation import DocumentValidation, assemble_document
from entente_daemon.openapi.keywords import HIDDEN_FLAG, discriminator_ref, is_flagged

Resolve = Callable[[str], Mapping[str, Any]]
Direction = Literal["request", "response"]
Dialect = Literal["3.0", "3.1"]

_DATA_KEYWORDS = frozenset({"example", "examples", "default", "enum", "const"})


class SchemaCache:
    """What the generator works out about schemas, kept between calls for one document.

    Flattened schemas, resolved references, readOnly/writeOnly flags and combined schemas,
    keyed by the identity of the schema objects. Use one cache per loaded document (and the
    same ``resolve``), and a new one when the document is reloaded: the schemas must not be
    mutated while cached. Each table is emptied when it outgrows ``max_entries``. Safe to share
    between threads (at worst two threads compute the same entry).
    """

    def __init__(self, max_entries: int = 8192) -> None:
        self.max_entries = max_entries
        # Entries keyed by id() hold their schema, so that id cannot be reused meanwhile.
        self.flats: dict[tuple[int, str], tuple[object, Flat]] = {}
        self.resolved: dict[str, tuple[Schema | None, str | None]] = {}
        self.hidden: dict[tuple[int, str], tuple[object, bool]] = {}
        self.reach: dict[int, tuple[object, frozenset[str]]] = {}
        self.combined: dict[tuple[int, ...], tuple[list[Schema], Schema]] = {}
        self.refs: dict[str, Schema] = {}
        self.merged: dict[tuple[int, int, str], tuple[Flat, Schema, Flat, list[str]]] = {}
        self.options: dict[int, tuple[Choice, list[tuple[Schema, str | None]]]] = {}
        self.validations: dict[tuple[int, str, str], tuple[object, DocumentValidation]] = {}

    def room(self, table: dict[Any, Any]) -> dict[Any, Any]:
        if len(table) >= self.max_entries:
            table.clear()
        return table


class SchemaView:
    """One call's view of the document, memoised in a :class:`SchemaCache`."""

    def __init__(
        self, resolve: Resolve, dialect: Dialect, direction: Direction, cache: SchemaCache | None
    ) -> None:
        self.resolve = resolve
        self.dialect: Dialect = dialect
        self.direction: Direction = direction
        self.hidden = HIDDEN_FLAG[direction]
        self.cache = cache if cache is not None else SchemaCache()
        self.problems: list[str] = []

    def note(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def lookup(self, ref: str) -> Schema | None:
        cached = self.cache.resolved.get(ref)
        if cached is None:
            target: Schema | None = None
            problem = None
            try:
                found = self.resolve(ref)
            except Exception as error:
                problem = f"/: $ref {ref!r} does not resolve: {error!r}"
            else:
                if isinstance(found, Mapping | bool):
                    target = found
                else:
                    problem = f"/: $ref {ref!r} resolves to a {type(found).__name__}, not a schema"
            cached = (target, problem)
            self.cache.room(self.cache.resolved)[ref] = cached
        if cached[1] is not None:
            self.note(cached[1])
        return cached[0]

    def flat(self, schema: Schema) -> Flat:
        """The flattened schema (shared: copy before changing it)."""
        key = (id(schema), self.dialect)
        cached = self.cache.flats.get(key)
        if cached is not None and cached[0] is schema:
            return cached[1]
        flat = flatten(schema, self.lookup, self.dialect)
        self.cache.room(self.cache.flats)[key] = (schema, flat)
        return flat

    def all_of(self, schemas: list[Schema]) -> Schema:
        """One schema requiring all of ``schemas``, the same object for the same members."""
        if len(schemas) == 1:
            return schemas[0]
        key = tuple(id(schema) for schema in schemas)
        cached = self.cache.combined.get(key)
        if cached is None or any(a is not b for a, b in zip(cached[0], schemas, strict=True)):
            cached = (list(schemas), all_of(schemas))
            self.cache.room(self.cache.combined)[key] = cached
        return cached[1]

    def ref_schema(self, ref: str) -> Schema:
        """``{"$ref": ref}``, the same object for the same reference."""
        cached = self.cache.refs.get(ref)
        if cached is None:
            cached = self.cache.room(self.cache.refs)[ref] = {"$ref": ref}
        return cached

    def is_hidden(self, schemas: list[Schema]) -> bool:
        """Whether a property is left out in this direction (readOnly/writeOnly)."""
        for schema in schemas:
            key = (id(schema), self.hidden)
            cached = self.cache.hidden.get(key)
            if cached is None or cached[0] is not schema:
                cached = (schema, is_flagged(schema, self.hidden, self.lookup))
                self.cache.room(self.cache.hidden)[key] = cached
            if cached[1]:
                return True
        return False

    def reaches(self, schema: Schema) -> frozenset[str]:
        """Every reference reachable from ``schema``, discriminator mappings included."""
        cached = self.cache.reach.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        found: set[str] = set()
        pending: list[object] = [schema]
        while pending:
            node = pending.pop()
            if isinstance(node, Mapping):
                ref = node.get("$ref")
                refs = [ref] if isinstance(ref, str) else []
                discriminator = node.get("discriminator")
                if isinstance(discriminator, Mapping):
                    mapping = discriminator.get("mapping")
                    for key in mapping if isinstance(mapping, Mapping) else ():
                        refs.append(discriminator_ref(discriminator, key))
                for target in refs:
                    if target not in found:
                        found.add(target)
                        pending.append(self.lookup(target))
                pending.extend(v for k, v in node.items() if k not in _DATA_KEYWORDS)
            elif isinstance(node, list):
                pending.extend(node)
        result = frozenset(found)
        self.cache.room(self.cache.reach)[id(schema)] = (schema, result)
        return result

    def merge_branch(self, flat: Flat, branch: Schema) -> tuple[Flat, list[str]]:
        """``flat`` without its first choice, merged with ``branch`` of it, and the references
        the branch brings (shared: copy before changing it)."""
        key = (id(flat), id(branch), self.dialect)
        cached = self.cache.merged.get(key)
        if cached is not None and cached[0] is flat and cached[1] is branch:
            return cached[2], cached[3]
        merged = flat.copy()
        merged.choices = flat.choices[1:]
        merged.examples = []
        before = len(merged.refs)
        absorb(merged, branch, self.lookup, self.dialect)
        refs = merged.refs[before:]
        self.cache.room(self.cache.merged)[key] = (flat, branch, merged, refs)
        return merged, refs

    def options(self, choice: Choice) -> list[tuple[Schema, str | None]]:
        """The branches to try, each with its discriminator value (``None`` without one)."""
        cached = self.cache.options.get(id(choice))
        if cached is None or cached[0] is not choice:
            cached = (choice, self._options(choice))
            self.cache.room(self.cache.options)[id(choice)] = cached
        return cached[1]

    def _options(self, choice: Choice) -> list[tuple[Schema, str | None]]:
        discriminator = choice.discriminator
        if discriminator is None or not isinstance(discriminator.get("propertyName"), str):
            return [(branch, None) for branch in choice.branches]
        mapping = discriminator.get("mapping")
        mapping = mapping if isinstance(mapping, Mapping) else {}
        keys_by_ref: dict[str, str] = {}
        for key in mapping:
            keys_by_ref.setdefault(discriminator_ref(discriminator, key), key)
        options: list[tuple[Schema, str | None]] = []
        for branch in choice.branches:
            ref = branch.get("$ref") if isinstance(branch, Mapping) else None
            if not isinstance(ref, str):
                continue
            key = keys_by_ref.pop(ref, None)
            implicit = ref.rsplit("/", 1)[-1]
            if key is None and discriminator_ref(discriminator, implicit) == ref:
                key = implicit
            if key is not None:
                options.append((branch, key))
        options.extend((self.ref_schema(ref), key) for ref, key in keys_by_ref.items())
        return options or [(branch, None) for branch in choice.branches]

    def validation(self, root: Schema) -> DocumentValidation:
        """Validation against a document holding every schema ``root`` reaches, made on first
        use: most values need none."""
        key = (id(root), self.dialect, self.direction)
        cached = self.cache.validations.get(key)
        if cached is None or cached[0] is not root:
            document = assemble_document(self.reaches(root), self.lookup)
            validation = DocumentValidation(
                document, dialect=self.dialect, direction=self.direction
            )
            cached = (root, validation)
            self.cache.room(self.cache.validations)[key] = cached
        return cached[1]
