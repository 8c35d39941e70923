"""Server entries and the URL path prefixes (base paths) they put operations under."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import urlsplit

from entente_daemon.openapi.model import Server, ServerVariable

_VARIABLE = re.compile(r"\{([^{}]*)\}")
_MAX_COMBINATIONS = 64


def url_path(url: str) -> str:
    """The path part of a server URL, normalised: ``""`` for the root, else ``/a/b``
    (no trailing slash). Relative URLs (``/api``, ``api``, ``./api``) are taken as paths
    from the root, which is what they mean for a mock serving the spec."""
    if "://" in url or url.startswith("//"):
        path = urlsplit(url).path
    else:
        path = url.split("?", 1)[0].split("#", 1)[0]
    segments = [s for s in path.split("/") if s and s != "."]
    return "/" + "/".join(segments) if segments else ""


def variable_choices(variables: dict[str, ServerVariable], name: str) -> list[str]:
    variable = variables.get(name)
    if variable is None:
        return [""]
    return list(dict.fromkeys([variable.default, *variable.enum]))


def base_paths(url: str, variables: dict[str, ServerVariable]) -> tuple[str, ...]:
    """Every base path ``url`` can stand for: the defaults first, then enum values (at most
    64 combinations)."""
    names = list(dict.fromkeys(_VARIABLE.findall(url)))
    if not names:
        return (url_path(url),)
    combos = itertools.islice(
        itertools.product(*(variable_choices(variables, n) for n in names)), _MAX_COMBINATIONS
    )
    found: list[str] = []
    for combo in combos:
        values = dict(zip(names, combo, strict=True))
        found.append(url_path(_substitute(url, values)))
    return tuple(dict.fromkeys(found))


def _substitute(url: str, values: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: values.get(m.group(1), ""), url)


def parse_server(raw: Any) -> Server | None:
    """A `Server` from a Server Object, or None if it has no usable ``url``."""
    if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
        return None
    variables: dict[str, ServerVariable] = {}
    raw_variables = raw.get("variables")
    if isinstance(raw_variables, dict):
        for name, spec in raw_variables.items():
            if not isinstance(spec, dict):
                continue
            enum = spec.get("enum")
            variables[name] = ServerVariable(
                default=str(spec.get("default", "")),
                enum=tuple(str(v) for v in enum) if isinstance(enum, list) else (),
                description=spec.get("description"),
            )
    url: str = raw["url"]
    return Server(
        url=url,
        base_paths=base_paths(url, variables),
        description=raw.get("description"),
        variables=variables,
    )


def parse_servers(raw: Any) -> tuple[Server, ...] | None:
    """Servers from a ``servers`` list; None when absent or empty (inherit)."""
    if not isinstance(raw, list) or not raw:
        return None
    servers = tuple(s for s in (parse_server(item) for item in raw) if s is not None)
    return servers or None


ROOT_SERVER = Server(url="/", base_paths=("",))


def swagger2_server(document: dict[str, Any]) -> Server:
    """Swagger 2.0's ``host`` + ``basePath`` + ``schemes`` as one server."""
    base = document.get("basePath")
    base = base if isinstance(base, str) and base else "/"
    host = document.get("host")
    schemes = document.get("schemes")
    scheme = schemes[0] if isinstance(schemes, list) and schemes else "http"
    url = f"{scheme}://{host}{base}" if isinstance(host, str) and host else base
    return Server(url=url, base_paths=(url_path(base),))
