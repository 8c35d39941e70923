"""Pact files read: V2, V3 and V4 documents (HTTP interactions) as plain, checked parts.
Pure: a parsed JSON document and the name it came from in; a `PactFile` out, or a
`PactFileError` saying what is wrong and where (``castle-client-castle-service.json:
interaction 3 ("get a castle"): the response has no status``).

What is read of each HTTP interaction: description, provider states (V3/V4 ``providerStates``
with params; V2 ``providerState``), the request (method, path, query as lists, headers as
text, body) and the response (status, headers, body, **matching rules**, normalised to the
V3/V4 form by category: V2's flat ``$.body.x`` / ``$.headers.X`` keys become ``body``
``$.x`` and ``header`` ``X``; V3's ``{"regex": ...}`` / ``{"min": 1}`` and ``date``/
``time``/``timestamp`` format keys become ``{"match": ..., "format": ...}``). Everything
else (request rules, generators, comments, unknown fields) is kept as read, in ``kept``.

Not supported, counted by kind and never a failure: message interactions (V3 ``messages``,
V4 ``Asynchronous/Messages`` and ``Synchronous/Messages``) and plugin interactions (V4
``pluginConfiguration`` or ``interactionMarkup`` from a plugin, or any other type).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs

from entente_daemon.compare.rule_paths import RulePathError, rules_of
from entente_daemon.errors import EntenteError

HTTP_V4 = "Synchronous/HTTP"
_KNOWN_INTERACTION = frozenset(
    {
        "description",
        "providerState",
        "provider_state",
        "providerStates",
        "request",
        "response",
        "type",
    }
)
_KNOWN_REQUEST = frozenset({"method", "path", "query", "headers", "body"})
_KNOWN_RESPONSE = frozenset({"status", "headers", "body", "matchingRules"})
_FORMAT_KEYS = ("format", "date", "time", "timestamp", "datetime")


class PactFileError(EntenteError):
    """A file that is not a pact Entente can read; the message names the file and the fault."""


@dataclass(frozen=True)
class PactRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class PactResponse:
    status: int
    headers: dict[str, str]
    body: Any
    matching_rules: dict[str, Any]


@dataclass(frozen=True)
class PactInteraction:
    description: str
    states: list[tuple[str, dict[str, Any]]]
    request: PactRequest
    response: PactResponse
    kept: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PactFile:
    source: str
    consumer: str
    provider: str
    specification: str  # "2.0.0", "3.0.0", "4.0"...
    interactions: list[PactInteraction]
    unsupported: Counter[str] = field(default_factory=Counter)
    digest: str | None = None  # sha-256 of the file's text, when read from text


def parse_pact_text(text: str, source: str) -> PactFile:
    """A pact file's text read (see `read_pact`)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PactFileError(
            f"{source}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    pact = read_pact(document, source)
    return replace(pact, digest=hashlib.sha256(text.encode("utf-8")).hexdigest())


def read_pact(document: Any, source: str) -> PactFile:
    """A parsed pact document read (see the module's docstring)."""
    if not isinstance(document, dict):
        raise PactFileError(f"{source}: a pact file is a JSON object; this is {_kind(document)}")
    consumer = _name(document, "consumer", source)
    provider = _name(document, "provider", source)
    specification = spec_version(document)
    unsupported: Counter[str] = Counter()
    messages = document.get("messages")
    if isinstance(messages, list) and messages:
        unsupported["message"] += len(messages)
    raw = document.get("interactions")
    if raw is None and messages is not None:
        raw = []
    if not isinstance(raw, list):
        raise PactFileError(f"{source}: 'interactions' must be a list of interactions")
    interactions: list[PactInteraction] = []
    for index, entry in enumerate(raw):
        where = f"{source}: interaction {index}"
        if not isinstance(entry, dict):
            raise PactFileError(f"{where}: an interaction is an object; this is {_kind(entry)}")
        if isinstance(entry.get("description"), str):
            where += f" ({entry['description']!r})"
        kind = entry.get("type", HTTP_V4)
        if kind != HTTP_V4:
            unsupported["message" if "Messages" in str(kind) else f"other ({kind})"] += 1
            continue
        if entry.get("pluginConfiguration") or _plugin_markup(entry):
            unsupported["plugin"] += 1
            continue
        interactions.append(_interaction(entry, specification, where))
    return PactFile(source, consumer, provider, specification, interactions, unsupported)


def spec_version(document: Mapping[str, Any]) -> str:
    """The pact specification version a document says it follows (V2 when it says none)."""
    metadata = document.get("metadata")
    if isinstance(metadata, dict):
        for key in ("pactSpecification", "pact-specification"):
            found = metadata.get(key)
            if isinstance(found, dict) and isinstance(found.get("version"), str):
                return str(found["version"])
        if isinstance(metadata.get("pactSpecificationVersion"), str):
            return str(metadata["pactSpecificationVersion"])
    interactions = document.get("interactions")
    if isinstance(interactions, list) and any(
        isinstance(i, dict) and "type" in i for i in interactions
    ):
        return "4.0"
    return "2.0.0"


def major(specification: str) -> int:
    head = specification.strip().lstrip("vV").split(".")[0]
    return int(head) if head.isdigit() else 2


def _plugin_markup(entry: Mapping[str, Any]) -> bool:
    markup = entry.get("interactionMarkup")
    return (
        isinstance(markup, dict)
        and bool(markup.get("markup"))
        and bool(entry.get("pluginConfiguration"))
    )


def _name(document: Mapping[str, Any], role: str, source: str) -> str:
    found = document.get(role)
    name = found.get("name") if isinstance(found, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise PactFileError(f"{source}: the pact names no {role} ({role}.name)")
    return name.strip()


def _interaction(entry: dict[str, Any], specification: str, where: str) -> PactInteraction:
    said = entry.get("description")
    if not isinstance(said, str) or not said:
        raise PactFileError(f"{where}: it has no description")
    request = entry.get("request")
    response = entry.get("response")
    if not isinstance(request, dict):
        raise PactFileError(f"{where}: it has no request object")
    if not isinstance(response, dict):
        raise PactFileError(f"{where}: it has no response object")
    notes: list[str] = []
    kept = {k: v for k, v in entry.items() if k not in _KNOWN_INTERACTION}
    kept_request = {k: v for k, v in request.items() if k not in _KNOWN_REQUEST}
    kept_response = {k: v for k, v in response.items() if k not in _KNOWN_RESPONSE}
    if kept_request:
        kept["request"] = kept_request
    if kept_response:
        kept["response"] = kept_response
    rules = _rules(response.get("matchingRules"), f"{where}: the response")
    return PactInteraction(
        description=said,
        states=_states(entry, where),
        request=PactRequest(
            method=_method(request, where),
            path=_path(request, where),
            query=_query(request.get("query"), where),
            headers=_headers(request.get("headers"), f"{where}: the request"),
            body=_body(request, f"{where}: the request", notes),
        ),
        response=PactResponse(
            status=_status(response, where),
            headers=_headers(response.get("headers"), f"{where}: the response"),
            body=_body(response, f"{where}: the response", notes),
            matching_rules=rules,
        ),
        kept=kept,
        notes=notes,
    )


def _states(entry: Mapping[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    found = entry.get("providerStates")
    if found is None:
        legacy = entry.get("providerState", entry.get("provider_state"))
        if legacy is None:
            return []
        if not isinstance(legacy, str):
            raise PactFileError(f"{where}: providerState must be text")
        return [(legacy, {})] if legacy else []
    if isinstance(found, str):
        return [(found, {})] if found else []
    if not isinstance(found, list):
        raise PactFileError(f"{where}: providerStates must be a list of states")
    states: list[tuple[str, dict[str, Any]]] = []
    for state in found:
        name = state.get("name") if isinstance(state, dict) else None
        if not isinstance(name, str):
            raise PactFileError(f"{where}: a provider state has no name")
        params = state.get("params") or {}
        if not isinstance(params, dict):
            raise PactFileError(f"{where}: provider state {name!r}: params must be an object")
        states.append((name, dict(params)))
    return states


def _method(request: Mapping[str, Any], where: str) -> str:
    method = request.get("method")
    if not isinstance(method, str) or not method.strip():
        raise PactFileError(f"{where}: the request has no method")
    return method.strip().upper()


def _path(request: Mapping[str, Any], where: str) -> str:
    path = request.get("path", "/")
    if not isinstance(path, str) or not path.startswith("/"):
        raise PactFileError(f"{where}: the request's path must be text starting with /")
    return path


def _status(response: Mapping[str, Any], where: str) -> int:
    status = response.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise PactFileError(f"{where}: the response has no status (an integer, 100 to 599)")
    return status


def _query(found: Any, where: str) -> dict[str, list[str]]:
    if found is None or found == "":
        return {}
    if isinstance(found, str):  # V2: "a=1&b=2"
        return {k: list(v) for k, v in parse_qs(found, keep_blank_values=True).items()}
    if not isinstance(found, dict):
        raise PactFileError(f"{where}: the request's query must be text or an object")
    query: dict[str, list[str]] = {}
    for key, value in found.items():
        values = value if isinstance(value, list) else [value]
        query[str(key)] = [str(v) for v in values]
    return query


def _headers(found: Any, where: str) -> dict[str, str]:
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise PactFileError(f"{where}: headers must be an object")
    headers: dict[str, str] = {}
    for key, value in found.items():
        values = value if isinstance(value, list) else [value]
        headers[str(key)] = ", ".join(str(v) for v in values)
    return headers


def _content_type(part: Mapping[str, Any]) -> str | None:
    headers = part.get("headers")
    if isinstance(headers, dict):
        for key, value in headers.items():
            if str(key).lower() == "content-type":
                return str(value[0] if isinstance(value, list) and value else value)
    return None


def _body(part: Mapping[str, Any], where: str, notes: list[str]) -> Any:
    if "body" not in part:
        return None
    body = part["body"]
    if not (isinstance(body, dict) and "content" in body and "encoded" in body):
        return body  # V2/V3: the body itself
    content = body.get("content")
    encoded = body.get("encoded")
    content_type = str(body.get("contentType") or _content_type(part) or "")
    essence = content_type.split(";")[0].strip().lower()
    is_json = essence == "application/json" or essence.endswith("+json")
    if not encoded or encoded is False:
        if is_json and isinstance(content, str):
            try:
                return json.loads(content)
            except json.JSONDecodeError:
                return content
        return content
    if not isinstance(content, str):
        raise PactFileError(f"{where}: an encoded body's content must be text")
    if str(encoded).lower() == "json":
        try:
            return json.loads(content)
        except json.JSONDecodeError as exc:
            raise PactFileError(f"{where}: a JSON-encoded body is not JSON ({exc.msg})") from exc
    try:
        raw = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PactFileError(f"{where}: a base64 body does not decode ({exc})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        notes.append(f"{where.split(': ', 1)[-1]}: a binary body ({content_type}) kept as base64")
        return content
    if is_json:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


# -- matching rules -----------------------------------------------------------------------


def _rules(found: Any, where: str) -> dict[str, Any]:
    """The response's rules by category (V3/V4 form); checked so verification can read them."""
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise PactFileError(f"{where}'s matchingRules must be an object")
    categories = _from_v2(found) if _flat(found) else found
    rules: dict[str, Any] = {}
    for category, entries in categories.items():
        if not isinstance(entries, dict):
            raise PactFileError(f"{where}'s {category} rules must be an object")
        if category == "status" and "matchers" in entries:
            entries = {"$": entries}
        read: dict[str, Any] = {}
        for key, entry in entries.items():
            try:
                read[str(key)] = _rule(entry)
            except ValueError as exc:
                raise PactFileError(f"{where}'s {category} rule {key!r}: {exc}") from exc
        rules[category] = read
    try:
        rules_of(rules.get("body"))
    except RulePathError as exc:
        raise PactFileError(f"{where}'s body rules: {exc}") from exc
    return rules


def _flat(found: Mapping[str, Any]) -> bool:
    return any(str(k).startswith("$") for k in found)


def _from_v2(found: Mapping[str, Any]) -> dict[str, Any]:
    """V2's flat keys by category: ``$.body.x`` → body ``$.x``; ``$.headers.X`` → header
    ``X``; ``$.query.x`` → query ``x``; ``$.path`` → path."""
    categories: dict[str, dict[str, Any]] = {}
    for key, matcher in found.items():
        text = str(key)
        entry = {"matchers": [matcher]} if isinstance(matcher, dict) else matcher
        if text == "$.body" or text.startswith(("$.body.", "$.body[")):
            categories.setdefault("body", {})["$" + text[len("$.body") :]] = entry
        elif text.startswith("$.headers."):
            categories.setdefault("header", {})[text[len("$.headers.") :]] = entry
        elif text.startswith("$.header."):
            categories.setdefault("header", {})[text[len("$.header.") :]] = entry
        elif text.startswith("$.query."):
            categories.setdefault("query", {})[text[len("$.query.") :]] = entry
        elif text == "$.path":
            categories.setdefault("path", {})[""] = entry
        else:
            categories.setdefault("other", {})[text] = entry
    return categories


def _rule(entry: Any) -> dict[str, Any]:
    """One rule read; ValueError saying what is wrong (the caller says where)."""
    if isinstance(entry, dict) and "matchers" not in entry:
        entry = {"matchers": [entry]}  # a bare matcher (V2, or loose V3 writers)
    if not isinstance(entry, dict) or not isinstance(entry.get("matchers"), list):
        raise ValueError("a rule is an object with a list of matchers")
    combine = str(entry.get("combine", "AND")).upper()
    if combine not in ("AND", "OR"):
        raise ValueError(f"combine must be AND or OR, not {combine!r}")
    matchers = []
    for matcher in entry["matchers"]:
        if not isinstance(matcher, dict):
            raise ValueError("a matcher is an object")
        matchers.append(normalised_matcher(matcher))
    return {"combine": combine, "matchers": matchers}


def normalised_matcher(matcher: Mapping[str, Any]) -> dict[str, Any]:
    """One matcher in today's spelling: ``match`` always given; a date/time format under
    ``format``; V3's ``{"regex": ...}`` and ``{"min": 1}`` made explicit."""
    out = dict(matcher)
    kind = out.get("match")
    if kind is None:
        if "regex" in out:
            out["match"] = "regex"
        elif "min" in out or "max" in out:
            out["match"] = "type"
        else:
            out["match"] = "equality"
    elif kind in ("min", "max"):  # seen in the wild: {"match": "min", "min": 1}
        out["match"] = "type"
    if out["match"] in ("date", "time", "timestamp", "datetime") and "format" not in out:
        for key in _FORMAT_KEYS[1:]:
            if isinstance(out.get(key), str):
                out["format"] = out.pop(key)
                break
    return out


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"
