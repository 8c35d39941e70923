"""A fixture explained against its provider's spec: the operation it answers for, the request
and response schemas that apply to it (refs inlined, so a person reads one schema, not a
trail of ``$ref``s), and what in it does not fit the spec. Pure: a `Spec` and a `Fixture`
in, a JSON-safe dict out (``GET /v1/fixtures/{id}/detail``)."""

from __future__ import annotations

from typing import Any

from entente_daemon.mock.media import parse_media_type
from entente_daemon.model import Fixture
from entente_daemon.spec import MediaType, Operation, Spec
from entente_daemon.verify.fixture_check import fixture_problems

#: How many refs deep schemas are inlined; deeper ones (and recursive ones) stay ``$ref``s.
MAX_INLINE_DEPTH = 6


def describe(spec: Spec | None, fixture: Fixture, *, spec_label: str | None) -> dict[str, Any]:
    """``{fixture, spec, operation, problems}``: ``operation`` is None (and ``problems`` say
    why) when there is no spec, or the spec has no such operation."""
    if spec is None:
        return {
            "fixture": fixture.to_json(),
            "spec": None,
            "operation": None,
            "problems": [f"no spec known for provider {fixture.provider!r}"],
        }
    operation = spec.operation(fixture.operation_id)
    return {
        "fixture": fixture.to_json(),
        "spec": spec_label,
        "operation": None if operation is None else describe_operation(spec, operation, fixture),
        "problems": fixture_problems(spec, fixture),
    }


def describe_operation(spec: Spec, operation: Operation, fixture: Fixture) -> dict[str, Any]:
    request_media = _request_media(operation, fixture)
    documented = operation.response_for(fixture.response.status)
    response_media = (
        _pick(documented.content, _content_type(fixture.response.headers))
        if documented is not None
        else None
    )
    return {
        "method": operation.method,
        "path": operation.path,
        "operation_id": operation.operation_id,
        "summary": operation.summary,
        "request_media_type": request_media.media_type if request_media else None,
        "request_schema": inline_refs(spec, request_media.schema) if request_media else None,
        "response_status": documented.status if documented is not None else None,
        "response_media_type": response_media.media_type if response_media else None,
        "response_schema": inline_refs(spec, response_media.schema) if response_media else None,
    }


def _request_media(operation: Operation, fixture: Fixture) -> MediaType | None:
    body = operation.request_body
    if body is None:
        return None
    return _pick(body.content, _content_type(fixture.request.headers))


def _content_type(headers: dict[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return value
    return None


def _pick(content: dict[str, MediaType], content_type: str | None) -> MediaType | None:
    """The documented media type the fixture's ``Content-Type`` names, else the first JSON
    one, else the first."""
    if not content:
        return None
    sent = parse_media_type(content_type) if content_type else None
    parsed = [(key, parse_media_type(key)) for key in content]
    if sent is not None:
        for key, media in parsed:
            if media is not None and media.essence == sent.essence:
                return content[key]
    for key, media in parsed:
        if media is not None and media.is_json:
            return content[key]
    return next(iter(content.values()))


def inline_refs(spec: Spec, schema: Any, *, depth: int = 0, seen: tuple[str, ...] = ()) -> Any:
    """``schema`` with its internal refs replaced by what they point to, recursively; a ref
    back into itself (recursion), past `MAX_INLINE_DEPTH`, or that does not resolve stays
    as written. Sibling keywords of a ref are kept next to the inlined schema."""
    if isinstance(schema, list):
        return [inline_refs(spec, item, depth=depth, seen=seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        if ref in seen or depth >= MAX_INLINE_DEPTH:
            return schema
        try:
            target = spec.resolve_ref(ref)
        except Exception:  # a ref the loader let through: show it as written
            return schema
        resolved = inline_refs(spec, target, depth=depth + 1, seen=(*seen, ref))
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        if siblings and isinstance(resolved, dict):
            return {**resolved, **inline_refs(spec, siblings, depth=depth, seen=seen)}
        return resolved
    return {key: inline_refs(spec, value, depth=depth, seen=seen) for key, value in schema.items()}
