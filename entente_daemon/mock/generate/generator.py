"""Generate a JSON value valid against an OpenAPI schema, deterministically from a seed.

The mock answers from this when neither a fixture nor an example fits. :func:`generate` is pure:
the same schema, seed, direction and dialect give the same value in every process (the seed is
hashed with SHA-256 into a private :class:`random.Random`).

How it stays valid without validating every node:

* each schema is flattened (:mod:`.flatten`): ``$ref`` followed, ``allOf``
  merged, so bounds, required names and properties from every member are met at once;
* values are built to the merged constraints (:mod:`.numbers`, :mod:`.strings`,
  :mod:`.patterns`); only choices that cannot be decided locally are validated on the spot: an
  example or default (used when valid), a ``oneOf``/``anyOf`` branch (the first that
  validates, the discriminator value set for its branch), ``not`` (redrawn while it matches);
* recursion ends: a schema met a third time inside itself is generated minimally (required
  properties only, the fewest items, ``null`` or a non-recursive branch where allowed).

:func:`generate_checked` also validates the whole value and returns what is wrong with it, for
unsatisfiable schemas (contradictory ``allOf``, a required property that recurses forever).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import random
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from entente_daemon.mock.generate import containers, numbers, strings
from entente_daemon.mock.generate.flatten import Flat, Schema
from entente_daemon.mock.generate.jsontype import json_type
from entente_daemon.mock.generate.schemas import (
    Dialect,
    Direction,
    Resolve,
    SchemaCache,
    SchemaView,
)

__all__ = ["SchemaCache", "generate", "generate_checked", "seed_random"]

#: A schema nested in itself more often than this is generated minimally.
MAX_RECURSION = 2
#: Past this many nested references, or a schema nested in itself this often even when
#: generated minimally, a subtree is given up: its recursion cannot end.
MAX_REF_DEPTH = 48
MAX_SELF_NESTING = MAX_RECURSION + 6
#: Values one call may generate (required branching recursion grows exponentially).
MAX_NODES = 20_000
#: Validations one call may spend on examples, branches and ``not``.
VALIDATION_BUDGET = 256
_NOT_REDRAWS = 8
_TYPE_ORDER = ("string", "integer", "number", "boolean", "object", "array", "null")
_log = logging.getLogger(__name__)


def seed_random(seed: int | str | bytes) -> random.Random:
    """A :class:`random.Random` from any seed, identical across processes (``hash()`` of a
    ``str`` is salted per process; SHA-256 is not)."""
    if isinstance(seed, bytes):
        raw = b"b" + seed
    elif isinstance(seed, int):
        raw = b"i" + str(seed).encode()
    else:
        raw = b"s" + seed.encode("utf-8", "surrogatepass")
    return random.Random(int.from_bytes(hashlib.sha256(raw).digest()[:16], "big"))


def generate(
    schema: Schema,
    *,
    resolve: Resolve,
    seed: int | str | bytes,
    direction: Direction = "response",
    dialect: Dialect = "3.0",
    cache: SchemaCache | None = None,
) -> Any:
    """A value for ``schema``: valid whenever the schema can be satisfied; never raises.

    ``resolve`` maps an internal ``$ref`` (``#/components/schemas/Castle``) to its schema.
    Read-only properties are left out of requests, write-only ones out of responses. Pass the
    same ``cache`` to every call for one loaded document to skip repeated schema work.
    """
    return _Generator(resolve, seed, direction, dialect, cache).run(schema)


def generate_checked(
    schema: Schema,
    *,
    resolve: Resolve,
    seed: int | str | bytes,
    direction: Direction = "response",
    dialect: Dialect = "3.0",
    cache: SchemaCache | None = None,
) -> tuple[Any, list[str]]:
    """Like :func:`generate`, with the validation problems of the value: empty when it is
    valid, else each error, followed by what the generator noticed on the way (unresolvable
    references, endless recursion, contradictions)."""
    generator = _Generator(resolve, seed, direction, dialect, cache)
    value = generator.run(schema)
    try:
        problems = generator.view.validation(schema).problems(value, schema)
    except Exception as error:  # e.g. a reference jsonschema cannot follow
        problems = [f"/: could not validate: {error}"]
    if not problems:
        return value, []
    notes = generator.view.problems
    return value, problems + [note for note in notes if note not in problems]


class _Generator:
    def __init__(
        self,
        resolve: Resolve,
        seed: int | str | bytes,
        direction: Direction,
        dialect: Dialect,
        cache: SchemaCache | None,
    ) -> None:
        self.view = SchemaView(resolve, dialect, direction, cache)
        self.rng = seed_random(seed)
        self.root: Schema = True
        self.budget = VALIDATION_BUDGET
        self.stack: dict[str, int] = {}  # reference -> times entered on the current path
        self.ref_depth = 0
        self.nodes = 0

    # ------------------------------------------------------------------ plumbing

    def run(self, schema: Schema) -> Any:
        self.root = schema
        try:
            return self.gen(schema)
        except Exception as error:  # a bug here must not take the mock down
            _log.exception("generating from a schema failed")
            self.view.note(f"/: generation failed: {error!r}")
            return None

    def check(self, value: Any, schema: Schema) -> bool | None:
        """Whether ``value`` is valid; ``None`` when that cannot be told (budget spent, or
        the validator failed)."""
        if self.budget <= 0:
            return None
        self.budget -= 1
        try:
            return self.view.validation(self.root).is_valid(value, schema)
        except Exception:
            return None

    # ------------------------------------------------------------------ schemas

    def gen(
        self, schema: Schema, minimal: bool = False, hint: str | None = None, fresh: bool = False
    ) -> Any:
        if schema is True or (isinstance(schema, Mapping) and not schema):
            return strings.text(self.rng, hint=hint)
        if not isinstance(schema, Mapping):
            what = "a `false` schema admits no value" if schema is False else "not a schema"
            self.view.note(f"/: {what}: {schema!r}")
            return None
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.view.note(f"/: gave up after {MAX_NODES} values")
            return self.placeholder(self.view.flat(schema))
        flat = self.view.flat(schema)
        return self.enter(
            flat.refs, lambda deep: self.gen_flat(flat, schema, deep, hint, fresh), flat, minimal
        )

    def enter(self, refs: list[str], make: Callable[[bool], Any], flat: Flat, minimal: bool) -> Any:
        """Run ``make`` with ``refs`` on the path; minimal once one of them recurses too
        often, and a placeholder once references nest without end."""
        stack = self.stack
        endless = any(stack.get(ref, 0) >= MAX_SELF_NESTING for ref in refs)
        if endless or self.ref_depth + len(refs) > MAX_REF_DEPTH:
            self.view.note(f"/: {refs[0]!r} recurses without end; gave up nesting it")
            return self.placeholder(flat)
        for ref in refs:
            count = self.stack.get(ref, 0)
            minimal = minimal or count >= MAX_RECURSION
            self.stack[ref] = count + 1
        self.ref_depth += len(refs)
        try:
            return make(minimal)
        finally:
            self.ref_depth -= len(refs)
            for ref in refs:
                left = self.stack[ref] - 1
                if left:
                    self.stack[ref] = left
                else:
                    del self.stack[ref]

    def gen_flat(
        self, flat: Flat, node: Schema, minimal: bool, hint: str | None, fresh: bool
    ) -> Any:
        if flat.false:
            self.view.note("/: a `false` schema (or contradictory one) admits no value")
        if not fresh:
            for candidate in flat.examples:
                value = self.strip(candidate, node)
                if self.check(value, node) is True:
                    return copy.deepcopy(value)
        if flat.choices:
            return self.choose(flat, node, minimal, hint, fresh)
        value = self.core(flat, minimal, hint, fresh=fresh)
        if flat.nots:
            value = self.avoid(flat, value, minimal, hint)
        return value

    def choose(self, flat: Flat, node: Schema, minimal: bool, hint: str | None, fresh: bool) -> Any:
        """The first branch of the first ``oneOf``/``anyOf`` whose value validates against the
        node (for ``oneOf``, against exactly one branch), once fully, then minimally (fewer
        properties often separate overlapping branches)."""
        choice = flat.choices[0]
        options = self.view.options(choice)
        if minimal:  # branches that do not lead back into the recursion first
            options = sorted(
                options, key=lambda o: bool(self.view.reaches(o[0]) & self.stack.keys())
            )
        first: list[Any] = []
        for lean in (True,) if minimal else (False, True):
            for branch, key in options:
                merged, refs = self.view.merge_branch(flat, branch)

                def make(leaner: bool, merged: Flat = merged) -> Any:
                    return self.gen_flat(merged, node, leaner, hint, fresh)

                value = self.enter(refs, make, merged, lean)
                if key is not None and isinstance(value, dict) and choice.discriminator:
                    value[choice.discriminator["propertyName"]] = key
                if self.check(value, node) is not False:
                    return value
                if not first:
                    first.append(value)
        return first[0] if first else None

    def strip(self, value: Any, schema: Schema, depth: int = 0) -> Any:
        """An example without the properties hidden in this direction."""
        if depth > 16 or not isinstance(value, dict | list) or not isinstance(schema, Mapping):
            return value
        flat = self.view.flat(schema)
        if isinstance(value, list):
            if len(flat.items) != 1:
                return value
            return [self.strip(item, flat.items[0], depth + 1) for item in value]
        if not flat.properties:
            return value
        out = {}
        for name, item in value.items():
            schemas = flat.properties.get(name)
            if schemas is None:
                out[name] = item
            elif not self.view.is_hidden(schemas):
                out[name] = self.strip(item, self.view.all_of(schemas), depth + 1)
        return out

    def avoid(self, flat: Flat, value: Any, minimal: bool, hint: str | None) -> Any:
        """Redraw while the value matches a ``not`` schema: a few times as is, then leaner
        (``not: {required: [x]}``), with the sign flipped, and as the other allowed types."""
        allowed = flat.types or _TYPE_ORDER
        others = [name for name in _TYPE_ORDER if name in allowed and name != json_type(value)]
        attempts: list[Callable[[], Any]] = [partial(self.core, flat, minimal, hint)] * _NOT_REDRAWS
        attempts += [partial(self.core, flat, True, hint)] * 2
        attempts.append(lambda: _flipped(value, flat))
        attempts += [partial(self.core, flat, minimal, hint, kind) for kind in others]
        for attempt in attempts:
            if not any(self.check(value, schema) is True for schema in flat.nots):
                return value
            value = attempt()
        return value

    # ------------------------------------------------------------------ values

    def pick_type(self, flat: Flat, minimal: bool) -> str:
        allowed = flat.types
        if allowed is None:
            return flat.kinds[0] if flat.kinds else "string"
        if minimal and "null" in allowed:
            return "null"
        for kind in flat.kinds:
            if kind in allowed or (kind == "integer" and "number" in allowed):
                return kind
            if kind == "number" and "integer" in allowed:
                return "integer"
        for name in allowed:
            if name != "null":
                return name
        return "null" if allowed else "string"

    def core(
        self,
        flat: Flat,
        minimal: bool,
        hint: str | None,
        forced: str | None = None,
        fresh: bool = False,
    ) -> Any:
        if flat.const:
            return copy.deepcopy(flat.const[0])
        if flat.enum is not None and forced is None:
            return self.pick_enum(flat, minimal, fresh)
        kind = forced or self.pick_type(flat, minimal)
        rng = self.rng
        if kind == "string":
            return strings.text(
                rng,
                hint=hint,
                min_length=flat.min_length,
                max_length=flat.max_length,
                formats=tuple(flat.formats),
                pattern_list=tuple(flat.patterns),
            )
        if kind == "integer":
            return numbers.integer(rng, flat.bounds, flat.multiple_of, flat.formats)
        if kind == "number":
            return numbers.number(rng, flat.bounds, flat.multiple_of)
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "object":
            return containers.gen_object(self, flat, minimal)
        if kind == "array":
            return containers.gen_array(self, flat, minimal, hint)
        return None

    def pick_enum(self, flat: Flat, minimal: bool, fresh: bool) -> Any:
        """A random enum value fitting the types; not null unless minimal, or on a redraw
        (``fresh``: e.g. for unique items) when null is all that is left."""
        values = flat.enum or []
        if not values:
            self.view.note("/: no value is in every `enum`")
            return None
        allowed = flat.types
        fitting = [v for v in values if allowed is None or _type_allows(allowed, v)]
        fitting = fitting or values
        if minimal and None in fitting:
            return None
        chosen = fitting if fresh else [v for v in fitting if v is not None] or fitting
        return copy.deepcopy(chosen[self.rng.randrange(len(chosen))])

    def placeholder(self, flat: Flat) -> Any:
        """The least value of the node's type, generating nothing nested."""
        allowed = flat.types
        if allowed is not None and "null" in allowed:
            return None
        kinds = allowed if allowed is not None else flat.kinds
        kind = kinds[0] if kinds else "null"
        return {"object": {}, "array": [], "string": "", "boolean": False, "null": None}.get(
            kind, 0
        )


def _flipped(value: Any, flat: Flat) -> Any:
    """The number with its sign flipped when the bounds allow it (``not: {minimum: 0}``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        flipped = -value
        if flipped != value and flat.bounds.admits(flipped):
            return flipped
    return value


def _type_allows(allowed: tuple[str, ...], value: Any) -> bool:
    kind = json_type(value)
    return kind in allowed or (kind == "integer" and "number" in allowed)
