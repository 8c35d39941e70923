"""The answer bodies the mock sends, prepared once and cached, with their validation.

`Bodies` turns a spec example, a fixture's recorded response or generated data into a
`Prepared` body (value, bytes, content type) together with what is wrong with it against the
response schema (``direction="response"``: write-only properties must not appear). What does
not depend on the request is computed once: example bytes and their validation, a fixture's
bytes and validation (keyed by the fixture object), required header values, validators.
Generated answers depend on the request only through its seed (`request_seed`: method,
path, query, body) and are cached by what the seed is made of. Each cache is emptied when it
outgrows `CACHE_LIMIT` entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from entente_daemon.mock.answer.echo import echo_pinned
from entente_daemon.mock.answer.encode import (
    encode_body,
    encodes_larger_than,
    header_value,
    media_essence,
)
from entente_daemon.mock.answer.examples import ExampleValue
from entente_daemon.mock.answer.problem import listing
from entente_daemon.mock.generate.generator import SchemaCache, generate
from entente_daemon.mock.generate.schema_validation import describe
from entente_daemon.mock.messages import MockRequest
from entente_daemon.model import Fixture
from entente_daemon.openapi import MediaType, Operation, Response, Spec

CACHE_LIMIT = 4096
#: The largest example the mock serves, in bytes of JSON: a bigger one (a YAML alias bomb
#: that got past the loader, a huge literal) is passed over, never encoded.
MAX_EXAMPLE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Prepared:
    """An answer body, ready to send: the value, its bytes and content type, and what is
    wrong with it against the spec (empty when it fits)."""

    value: Any
    body: bytes
    content_type: str | None
    problems: tuple[str, ...] = ()
    #: An example too large to serve (`MAX_EXAMPLE_BYTES`): nothing was encoded.
    oversize: bool = False


EMPTY = Prepared(None, b"", None)


class Bodies:
    """The prepared bodies of one spec. With ``validate`` off nothing is checked: every
    `Prepared` has no problems."""

    def __init__(self, spec: Spec, *, validate: bool) -> None:
        self.spec = spec
        self.validate = validate
        self.dialect: Literal["3.0", "3.1"] = "3.1" if spec.openapi_version == "3.1" else "3.0"
        self.schema_cache = SchemaCache()
        self._examples: dict[tuple[int, str | None, str], Prepared] = {}
        self._fixtures: dict[int, tuple[Fixture, Prepared]] = {}
        self._generated: dict[tuple[Any, ...], Prepared] = {}
        self._headers: dict[tuple[int, int], list[tuple[str, str]]] = {}

    def problems(self, value: Any, schema: Any) -> tuple[str, ...]:
        """What is wrong with ``value`` as a response body of ``schema`` (at most 10)."""
        if schema is None or not self.validate:
            return ()
        validator = self.spec.validator_for(schema, direction="response")
        return tuple(describe(validator.iter_errors(value), limit=10))

    def example(self, media: MediaType, example: ExampleValue) -> Prepared:
        key = (id(media), example.name, example.label)
        prepared = self._examples.get(key)
        if prepared is None:
            if encodes_larger_than(example.value, MAX_EXAMPLE_BYTES):
                problem = f"{example.label} is larger than {MAX_EXAMPLE_BYTES:,} bytes"
                prepared = Prepared(None, b"", None, (problem,), oversize=True)
                room(self._examples)[key] = prepared
                return prepared
            body, content_type = encode_body(example.value, media.media_type)
            problems = self.problems(example.value, media.schema)
            prepared = Prepared(example.value, body, content_type, problems)
            room(self._examples)[key] = prepared
        return prepared

    def fixture(self, operation: Operation, fixture: Fixture) -> Prepared:
        cached = self._fixtures.get(id(fixture))
        if cached is not None and cached[0] is fixture:
            return cached[1]
        prepared = self._check_fixture(operation, fixture)
        room(self._fixtures)[id(fixture)] = (fixture, prepared)
        return prepared

    def _check_fixture(self, operation: Operation, fixture: Fixture) -> Prepared:
        status = fixture.response.status
        value = fixture.response.body
        declared = next(
            (v for k, v in fixture.response.headers.items() if k.lower() == "content-type"), None
        )
        response = operation.response_for(status)
        documented = list(response.content) if response is not None else []
        if value is None:
            body, content_type = b"", declared or None
        else:
            media_name = declared or (documented[0] if documented else "application/json")
            body, content_type = encode_body(value, media_name)
        if not self.validate:
            return Prepared(value, body, content_type)
        if response is None:
            problem = f"status {status} is not documented for {operation.operation_id}"
            listed = ", ".join(operation.responses) or "none"
            return Prepared(value, body, content_type, (f"{problem} (documented: {listed})",))
        if value is None:
            missing = f"its {status} has no body but the spec documents {listing(documented)}"
            return Prepared(None, body, content_type, (missing,) if documented else ())
        media = find_media(response.content, content_type or "")
        if media is None:
            what = f"{media_essence(content_type)} is not documented for {status}"
            return Prepared(value, body, content_type, (f"{what} ({listing(documented)})",))
        return Prepared(value, body, content_type, self.problems(value, media.schema))

    def generate(
        self,
        operation: Operation,
        status: int,
        media: MediaType,
        request: MockRequest,
        path: Mapping[str, Any] | None = None,
    ) -> Prepared:
        """Data generated from ``media``'s schema for ``request`` (seeded by it), echoing
        the typed ``path`` parameters where the schema allows it (`echo.echo_pinned`)."""
        # Keyed by the request as sent (what its seed is made of): a repeated request finds
        # its answer without hashing or parsing anything.
        key = (
            operation.operation_id,
            status,
            media.media_type,
            request.method,
            request.path,
            request.query_string,
            request.body,
        )
        prepared = self._generated.get(key)
        if prepared is None:
            seed = request_seed(request)
            schema = media.schema if media.schema is not None else True
            value = generate(
                schema,
                resolve=self.spec.resolve_ref,
                seed=seed,
                direction="response",
                dialect=self.dialect,
                cache=self.schema_cache,
            )
            if path:
                value = echo_pinned(value, path, partial(self._fits, media.schema))
            body, content_type = encode_body(value, media.media_type)
            problems = self._check_generated(value, media.schema)
            prepared = Prepared(value, body, content_type, problems)
            room(self._generated)[key] = prepared
        return prepared

    def _fits(self, schema: Any, value: Any) -> bool:
        """Whether ``value`` is a valid response body of ``schema`` (checked even when
        validation is off: an echo must not make a generated answer invalid)."""
        if schema is None:
            return True
        return bool(self.spec.validator_for(schema, direction="response").is_valid(value))

    def _check_generated(self, value: Any, schema: Any) -> tuple[str, ...]:
        """Every generated answer is checked, although the generator makes valid data
        whenever the schema can be satisfied: the mock promises to report what it serves
        that does not fit. Answers are cached per request seed, so a repeated request is
        checked once."""
        if not self.validate or schema is None:
            return ()
        return self.problems(value, schema)

    def required_headers(self, status: int, response: Response) -> list[tuple[str, str]]:
        """Values for the headers ``response`` documents as required (``Content-Type``
        aside): the header's example, else a value generated from its schema (seeded by
        the header, so it is the same on every answer)."""
        key = (id(response), status)
        cached = self._headers.get(key)
        if cached is not None:
            return cached
        headers: list[tuple[str, str]] = []
        for name, header in response.headers.items():
            if not header.required or name.lower() == "content-type":
                continue
            if header.example is not None:
                value: Any = header.example.value
            elif header.examples:
                value = next(iter(header.examples.values())).value
            else:
                schema = header.schema if header.schema is not None else {"type": "string"}
                value = generate(
                    schema,
                    resolve=self.spec.resolve_ref,
                    seed=f"{response.pointer} {name}",
                    direction="response",
                    dialect=self.dialect,
                    cache=self.schema_cache,
                )
            headers.append((name.lower(), header_value(value)))
        room(self._headers)[key] = headers
        return headers


def find_media(content: dict[str, MediaType], content_type: str) -> MediaType | None:
    """The documented media type for ``content_type``: exact, else ``type/*``, else ``*/*``."""
    essence = media_essence(content_type)
    by_essence = {media_essence(k): v for k, v in content.items()}
    major = essence.split("/", 1)[0]
    return by_essence.get(essence) or by_essence.get(f"{major}/*") or by_essence.get("*/*")


def request_seed(request: MockRequest) -> bytes:
    """The seed of generated answers: method, path, sorted query and body."""
    digest = hashlib.sha256()
    digest.update(request.method.upper().encode())
    digest.update(b"\n" + request.path.encode("utf-8", "surrogateescape") + b"\n")
    for name, values in sorted(request.query.items()):
        for value in values:
            digest.update(f"{name}={value}&".encode("utf-8", "surrogateescape"))
    digest.update(b"\n" + request.body)
    return digest.digest()


def room(table: dict[Any, Any]) -> dict[Any, Any]:
    """``table``, emptied first if it is full."""
    if len(table) >= CACHE_LIMIT:
        table.clear()
    return table
