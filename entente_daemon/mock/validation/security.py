"""Does a request carry the credentials its operation requires? Presence only, like Prism:
a mock cannot know which keys are good, but a consumer that forgets its credentials has a
contract bug worth a ``401``.

The operation's ``security`` is a list of alternatives, each a set of schemes that must all
be present; an empty alternative (``{}``) makes security optional. Schemes the mock cannot
check from a request (``mutualTLS``, or an unknown type) count as present.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entente_daemon.mock.messages import MockRequest
from entente_daemon.mock.validation.params import cookies
from entente_daemon.openapi import Operation, Spec


def missing_credentials(spec: Spec, operation: Operation, request: MockRequest) -> str | None:
    """None when the request satisfies one alternative of the operation's security; else a
    sentence naming what to send."""
    requirements = operation.security
    if not requirements:
        return None
    schemes = spec.security_schemes
    wanted: list[str] = []
    for alternative in requirements:
        absent = [name for name in alternative if not _present(schemes.get(name), request)]
        if not absent:
            return None
        wanted.append(" and ".join(_describe(name, schemes.get(name)) for name in absent))
    options = "; or ".join(wanted)
    return f"{operation.method} {operation.path} requires credentials: send {options}"


def _present(scheme: Any, request: MockRequest) -> bool:
    if not isinstance(scheme, Mapping):
        return True  # an undefined scheme: the spec's warnings say so; do not refuse on it
    kind = scheme.get("type")
    if kind == "apiKey":
        name = str(scheme.get("name", ""))
        where = scheme.get("in")
        if where == "header":
            return request.header(name) is not None
        if where == "query":
            return name in request.query
        if where == "cookie":
            return name in cookies(request.header_values("cookie"))
        return True
    authorization = request.header("authorization")
    if kind in ("http", "basic"):
        expected = "basic" if kind == "basic" else str(scheme.get("scheme", "")).lower()
        if authorization is None:
            return False
        return not expected or authorization.split(" ", 1)[0].lower() == expected
    if kind in ("oauth2", "openIdConnect"):
        return authorization is not None
    return True


def _describe(name: str, scheme: Any) -> str:
    if not isinstance(scheme, Mapping):
        return name
    kind = scheme.get("type")
    if kind == "apiKey":
        return f"the {scheme.get('in')} {scheme.get('name')!r} ({name})"
    if kind in ("http", "basic"):
        prefix = "Basic" if kind == "basic" else str(scheme.get("scheme", "")).capitalize()
        return f"'Authorization: {prefix} …' ({name})"
    return f"'Authorization: Bearer …' ({name})"
