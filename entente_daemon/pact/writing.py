"""Recorded interactions as a pact file (V4 by default, V3 on request). Pure: interactions
and, when known, the provider's spec in; the pact document (a JSON-ready dict) out.

Per interaction (already the contract, de-duplicated: `entente_daemon.pact.exporting`):

- ``description``: the operation and the test that made it (``getCastle (tests/...::test_x)``),
  made unique with the recording's hash when two would read the same;
- ``key`` (V4): the first 16 hex digits of the recording's content hash: stable;
- ``providerStates``: the recording's provider state, else its operationId (the name
  Entente's verifier looks a state handler up by), with its params (an imported pact's, else
  the path parameters);
- the request: method, path, query and header values as lists (V3: header values as text),
  headers that describe one connection, Entente's own and redacted credentials left out;
- the response: status, the headers worth holding (``Content-Type``, ``Location`` and those
  the spec documents for the status), the body, and **matching rules** for volatile values
  (`entente_daemon.pact.loosening`; an imported pact's own rules are written back as read);
- bodies (V4) as body objects: JSON as JSON, text as text, anything else base64 ``encoded``.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from entente_daemon import __version__
from entente_daemon.model import HttpRequest, HttpResponse, Interaction
from entente_daemon.openapi import Operation, Spec
from entente_daemon.pact.loosening import Schema, SchemaStep, body_rules, text_regex

PactSpec = Literal["V3", "V4"]
SPEC_VERSIONS: dict[str, str] = {"V3": "3.0.0", "V4": "4.0"}
REDACTED = "[REDACTED]"

#: Request headers not written: one connection's, the client library's, Entente's own.
SKIPPED_REQUEST_HEADERS = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "content-length",
        "transfer-encoding",
        "accept-encoding",
        "user-agent",
        "te",
        "upgrade",
    }
)
#: Response headers always held when recorded; others only when the spec documents them.
HELD_RESPONSE_HEADERS = frozenset({"content-type", "location"})


def description(interaction: Interaction) -> str:
    what = interaction.operation_id or f"{interaction.request.method} {interaction.request.path}"
    return f"{what} ({interaction.test_id})" if interaction.test_id else what


def state_name(interaction: Interaction) -> str | None:
    return interaction.provider_state or interaction.operation_id


def pact_document(
    interactions: Sequence[Interaction],
    *,
    consumer: str,
    provider: str,
    spec: Spec | None = None,
    specification: PactSpec = "V4",
    consumer_version: str | None = None,
) -> dict[str, Any]:
    """The pact between ``consumer`` and ``provider`` holding ``interactions``."""
    if specification not in SPEC_VERSIONS:
        raise ValueError(f"pact specification {specification!r}: choose V4 or V3")
    written: list[dict[str, Any]] = []
    seen: set[str] = set()
    step = _stepper(spec)
    for interaction in interactions:
        said = description(interaction)
        if said in seen:
            said = f"{said} #{_hash(interaction)[:8]}"
        seen.add(said)
        written.append(pact_interaction(interaction, said, spec, specification, step))
    metadata: dict[str, Any] = {
        "pactSpecification": {"version": SPEC_VERSIONS[specification]},
        "entente": {"version": __version__},
    }
    if consumer_version is not None:
        metadata["entente"]["consumerVersion"] = consumer_version
    return {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": written,
        "metadata": metadata,
    }


def _hash(interaction: Interaction) -> str:
    return interaction.content_hash or interaction.compute_hash()


def pact_interaction(
    interaction: Interaction,
    said: str,
    spec: Spec | None,
    specification: PactSpec,
    step: SchemaStep | None = None,
) -> dict[str, Any]:
    v4 = specification == "V4"
    operation = _operation(spec, interaction)
    out: dict[str, Any] = {"description": said}
    if v4:
        out["type"] = "Synchronous/HTTP"
        out["key"] = _hash(interaction)[:16]
        out["pending"] = False
    name = state_name(interaction)
    if name:
        params = dict(interaction.state_params or interaction.match.path_params)
        state: dict[str, Any] = {"name": name}
        if params:
            state["params"] = params
        out["providerStates"] = [state]
    out["request"] = _request(interaction.request, v4)
    out["response"] = _response(interaction, spec, operation, v4, step or _stepper(spec))
    if v4 and interaction.test_id:
        out["comments"] = {"testname": interaction.test_id}
    return out


def _operation(spec: Spec | None, interaction: Interaction) -> Operation | None:
    if spec is None:
        return None
    if interaction.operation_id:
        found = spec.operation(interaction.operation_id)
        if found is not None:
            return found
    matched = spec.match(interaction.request.method, interaction.request.path)
    return matched.operation if matched.matched else None


def _request(request: HttpRequest, v4: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"method": request.method.upper(), "path": request.path}
    if request.query:
        out["query"] = {k: list(v) for k, v in request.query.items()}
    headers = {
        k: v
        for k, v in request.headers.items()
        if v != REDACTED
        and k.lower() not in SKIPPED_REQUEST_HEADERS
        and not k.lower().startswith("x-entente-")
    }
    if headers:
        out["headers"] = _headers(headers, v4)
    if request.body is not None:
        out["body"] = _body(request.body, _content_type(request.headers), v4)
    return out


def _response(
    interaction: Interaction,
    spec: Spec | None,
    operation: Operation | None,
    v4: bool,
    step: SchemaStep,
) -> dict[str, Any]:
    response = interaction.response
    out: dict[str, Any] = {"status": response.status}
    documented = _documented_headers(operation, response.status)
    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() in HELD_RESPONSE_HEADERS or k.lower() in documented
    }
    if headers:
        out["headers"] = _headers(headers, v4)
    content_type = _content_type(response.headers)
    if response.body is not None:
        out["body"] = _body(response.body, content_type, v4)
    rules = interaction.matching_rules
    if rules is None:
        rules = _chosen_rules(interaction, spec, operation, headers, content_type, step)
    if rules:
        out["matchingRules"] = rules
    return out


def _chosen_rules(
    interaction: Interaction,
    spec: Spec | None,
    operation: Operation | None,
    headers: dict[str, str],
    content_type: str | None,
    step: SchemaStep,
) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    header_rules = {
        name: {"combine": "AND", "matchers": [{"match": "regex", "regex": regex}]}
        for name, value in headers.items()
        if name.lower() != "content-type" and (regex := text_regex(value)) is not None
    }
    if header_rules:
        rules["header"] = header_rules
    body = interaction.response.body
    if body is not None and _is_json(content_type):
        schema = _response_schema(spec, operation, interaction.response)
        generated = interaction.match.source == "generated"
        found = body_rules(body, schema, step, generated=generated)
        if found:
            rules["body"] = found
    return rules


def _documented_headers(operation: Operation | None, status: int) -> frozenset[str]:
    if operation is None:
        return frozenset()
    documented = operation.response_for(status)
    if documented is None:
        return frozenset()
    return frozenset(name.lower() for name in documented.headers)


def _response_schema(
    spec: Spec | None, operation: Operation | None, response: HttpResponse
) -> Schema:
    if spec is None or operation is None:
        return None
    wanted = (_content_type(response.headers) or "").split(";")[0].strip().lower()
    return _media_schema(spec, operation.operation_id, response.status, wanted)


@functools.lru_cache(maxsize=256)
def _media_schema(spec: Spec, operation_id: str, status: int, wanted: str) -> Schema:
    """The spec's schema for a response, resolved (cached: the same for every recording of
    an operation's status)."""
    operation = spec.operation(operation_id)
    documented = operation.response_for(status) if operation is not None else None
    if documented is None or not documented.content:
        return None
    media = documented.content.get(wanted) or next(iter(documented.content.values()))
    return _resolved(spec, media.schema)


def _resolved(spec: Spec | None, schema: Any) -> Schema:
    for _ in range(32):  # a chain of $refs, bounded
        if not isinstance(schema, dict):
            return None
        if "$ref" not in schema or spec is None:
            return schema
        schema = spec.deref(schema)
    return None


def _stepper(spec: Spec | None) -> SchemaStep:
    known: dict[tuple[int, str | int], Schema] = {}

    def step(schema: Schema, key: str | int) -> Schema:
        if schema is None:
            return None
        memo = (id(schema), 0 if isinstance(key, int) else key)
        if memo not in known:
            known[memo] = _step(schema, key)
        return known[memo]

    def _step(schema: Schema, key: str | int) -> Schema:
        schema = _resolved(spec, schema)
        if schema is None:
            return None
        for branch in _branches(schema):
            branch = _resolved(spec, branch)
            if branch is None:
                continue
            if isinstance(key, int):
                found = branch.get("items")
            else:
                properties = branch.get("properties")
                found = properties.get(key) if isinstance(properties, dict) else None
                if found is None and isinstance(branch.get("additionalProperties"), dict):
                    found = branch["additionalProperties"]
            if found is not None:
                return _resolved(spec, found)
        return None

    return step


def _branches(schema: dict[str, Any]) -> Iterable[Any]:
    yield schema
    for combiner in ("allOf", "oneOf", "anyOf"):
        found = schema.get(combiner)
        if isinstance(found, list):
            yield from found


def _headers(headers: dict[str, str], v4: bool) -> dict[str, Any]:
    if not v4:
        return dict(headers)
    return {k: [v] for k, v in headers.items()}


def _content_type(headers: dict[str, str]) -> str | None:
    for key, value in headers.items():
        if key.lower() == "content-type":
            return value
    return None


def _is_json(content_type: str | None) -> bool:
    essence = (content_type or "application/json").split(";")[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


def _is_text(content_type: str | None) -> bool:
    essence = (content_type or "").split(";")[0].strip().lower()
    return (
        essence.startswith("text/")
        or essence
        in {
            "application/xml",
            "application/x-www-form-urlencoded",
            "application/javascript",
        }
        or essence.endswith("+xml")
    )


def _body(body: Any, content_type: str | None, v4: bool) -> Any:
    if not v4:
        return body
    if not isinstance(body, str) or _is_json(content_type) and content_type is not None:
        return {
            "content": body,
            "contentType": content_type or "application/json",
            "contentTypeHint": "TEXT",
            "encoded": False,
        }
    if _is_text(content_type) or content_type is None:
        return {
            "content": body,
            "contentType": content_type or "text/plain",
            "contentTypeHint": "TEXT",
            "encoded": False,
        }
    return {
        "content": base64.b64encode(body.encode("utf-8")).decode("ascii"),
        "contentType": content_type,
        "contentTypeHint": "BINARY",
        "encoded": "base64",
    }
