"""OpenAPI / Swagger specs: loading (multi-file, messy but servable specs included), the
operation index, and request → operation matching.

    spec = load_spec("examples/castle-service/openapi.yaml")
    for warning in spec.warnings:
        print(warning)                      # file:line:column: pointer: message
    result = spec.match("GET", "/castles/6f0c...")
    if result.matched:
        result.operation.operation_id       # "getCastle"
        result.path_params                  # {"id": "6f0c..."}
    elif result.status is MatchStatus.METHOD_NOT_ALLOWED:
        result.allowed_methods              # ("GET", "DELETE")
"""

from entente_daemon.openapi.errors import SpecError, SpecWarning
from entente_daemon.openapi.loader import load_spec, load_spec_text
from entente_daemon.openapi.matcher import MatchResult, MatchStatus
from entente_daemon.openapi.model import (
    Example,
    Header,
    MediaType,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Server,
    ServerVariable,
)
from entente_daemon.openapi.spec import Spec

__all__ = [
    "Example",
    "Header",
    "MatchResult",
    "MatchStatus",
    "MediaType",
    "Operation",
    "Parameter",
    "RequestBody",
    "Response",
    "Server",
    "ServerVariable",
    "Spec",
    "SpecError",
    "SpecWarning",
    "load_spec",
    "load_spec_text",
]
