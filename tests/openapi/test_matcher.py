"""Request → operation matching."""

from __future__ import annotations

import time

import pytest

from entente_daemon.openapi import MatchStatus, Spec, load_spec, load_spec_text
from tests.openapi.conftest import CASTLE, SPECS


@pytest.fixture(scope="module")
def matching() -> Spec:
    return load_spec(SPECS / "matching.yaml", validate=False)


def op_id(spec: Spec, method: str, path: str) -> str | None:
    result = spec.match(method, path)
    return result.operation.operation_id if result.operation else None


@pytest.mark.parametrize(
    ("method", "path", "operation_id", "params"),
    [
        ("GET", "/castles/search", "searchCastles", {}),
        ("GET", "/castles/42", "get_castles_id", {"id": "42"}),
        ("GET", "/castles/42/towers/main", "getMainTower", {"id": "42"}),
        (
            "GET",
            "/castles/42/towers/7",
            "get_castles_castleId_towers_towerId",
            {"castleId": "42", "towerId": "7"},
        ),
        ("GET", "/files/report.json", "getJsonFile", {"name": "report"}),
        ("GET", "/files/archive.tar.gz", "getFile", {"name": "archive.tar", "ext": "gz"}),
        ("GET", "/v2/status", "getStatus", {"version": "2"}),
        ("GET", "/", "get_root", {}),
        ("GET", "", "get_root", {}),
        ("get", "/castles", "get_castles", {}),
        ("HEAD", "/castles", "head_castles", {}),
    ],
)
def test_matches(
    matching: Spec, method: str, path: str, operation_id: str, params: dict[str, str]
) -> None:
    result = matching.match(method, path)
    assert result.status is MatchStatus.MATCHED
    assert result.matched
    assert result.operation is not None
    assert result.operation.operation_id == operation_id
    assert result.path_params == params


def test_trailing_slash_query_and_full_url(matching: Spec) -> None:
    assert op_id(matching, "GET", "/castles/") == "get_castles"
    assert op_id(matching, "GET", "/castles/42/") == "get_castles_id"
    assert op_id(matching, "GET", "/castles?region=Normandie") == "get_castles"
    assert op_id(matching, "GET", "/castles/search/?q=x#top") == "searchCastles"
    assert op_id(matching, "GET", "http://localhost:4001/castles/9") == "get_castles_id"


def test_percent_encoding(matching: Spec) -> None:
    # %2F stays inside its segment, and the parameter value is decoded
    result = matching.match("GET", "/castles/a%2Fb")
    assert result.operation is not None
    assert result.operation.operation_id == "get_castles_id"
    assert result.path_params == {"id": "a/b"}
    assert matching.match("GET", "/castles/a/b").status is MatchStatus.NO_SUCH_PATH
    assert matching.match("GET", "/castles/Ch%C3%A2teau%20de%20Blois").path_params == {
        "id": "Château de Blois"
    }
    # encoded literal segments match, in the template and in the request
    assert matching.match("GET", "/caf%C3%A9s/cr%C3%A8me").path_params == {"name": "crème"}
    assert op_id(matching, "GET", "/cafés/x") == "getCafe"
    assert op_id(matching, "GET", "/castles/se%61rch") == "searchCastles"
    # a + is not a space in a path
    assert matching.match("GET", "/castles/a+b").path_params == {"id": "a+b"}


def test_literal_wins_but_method_falls_through_to_a_template(matching: Spec) -> None:
    # DELETE is not documented for /castles/search, but /castles/{id} has it
    result = matching.match("DELETE", "/castles/search")
    assert result.operation is not None
    assert result.operation.operation_id == "delete_castles_id"
    assert result.path_params == {"id": "search"}


def test_404_and_405(matching: Spec) -> None:
    assert matching.match("GET", "/dragons").status is MatchStatus.NO_SUCH_PATH
    assert matching.match("GET", "/castles/1/towers").status is MatchStatus.NO_SUCH_PATH
    assert matching.match("GET", "/files/noext").status is MatchStatus.NO_SUCH_PATH
    assert matching.match("GET", "/castles//x").status is MatchStatus.NO_SUCH_PATH

    result = matching.match("POST", "/castles/search")
    assert result.status is MatchStatus.METHOD_NOT_ALLOWED
    assert not result.matched
    assert result.allowed_methods == ("GET", "DELETE")  # both paths that match the URL

    result = matching.match("PUT", "/castles")
    assert result.status is MatchStatus.METHOD_NOT_ALLOWED
    assert result.allowed_methods == ("GET", "HEAD")


def test_head_is_not_mapped_to_get_unless_documented(matching: Spec) -> None:
    result = matching.match("HEAD", "/castles/1")
    assert result.status is MatchStatus.METHOD_NOT_ALLOWED
    assert result.allowed_methods == ("GET", "DELETE")


def test_relative_server_base_path() -> None:
    spec = load_spec(SPECS / "relative-servers.yaml")
    result = spec.match("GET", "/api/castles")
    assert result.matched
    assert result.base_path == "/api"
    assert spec.match("GET", "/castles").status is MatchStatus.NO_SUCH_PATH
    assert spec.match("GET", "/api/castles/").matched


def test_server_variables() -> None:
    spec = load_spec(SPECS / "server-variables.yaml")
    assert spec.servers[0].base_paths == ("/v1", "/v2")
    one = spec.match("GET", "/v1/castles")
    assert one.matched
    assert one.base_path == "/v1"
    assert spec.match("GET", "/v2/castles").base_path == "/v2"
    assert spec.match("GET", "/v3/castles").status is MatchStatus.NO_SUCH_PATH
    assert spec.match("GET", "/castles").status is MatchStatus.NO_SUCH_PATH
    # a path item's own servers replace the document's
    legacy = spec.match("GET", "/old/legacy")
    assert legacy.operation is not None
    assert legacy.operation.operation_id == "getLegacy"
    assert spec.match("GET", "/v1/legacy").status is MatchStatus.NO_SUCH_PATH


def test_absolute_server_without_path_matches_from_root() -> None:
    spec = load_spec(CASTLE)
    assert spec.match("GET", "/castles").matched
    assert spec.match("GET", "/castles").base_path == ""


def test_several_servers_are_each_tried() -> None:
    spec = load_spec_text(
        """openapi: 3.0.3
info: {title: t, version: "1"}
servers:
  - url: http://localhost:4001
  - url: https://castles.example.com/api/v1/
paths:
  /castles:
    get: {responses: {"200": {description: ok}}}
""",
        validate=False,
    )
    assert spec.match("GET", "/castles").base_path == ""
    assert spec.match("GET", "/api/v1/castles").base_path == "/api/v1"
    assert spec.match("GET", "/api/castles").status is MatchStatus.NO_SUCH_PATH


def test_swagger_base_path() -> None:
    spec = load_spec(SPECS / "swagger2.yaml")
    result = spec.match("PUT", "/v1/castles/12/portrait")
    assert result.operation is not None
    assert result.operation.operation_id == "put_castles_id_portrait"
    assert result.path_params == {"id": "12"}
    assert spec.match("GET", "/castles").status is MatchStatus.NO_SUCH_PATH


def test_templates_that_match_the_same_requests_are_a_warning() -> None:
    spec = load_spec_text(
        """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /castles/{id}:
    get: {operationId: first, responses: {"200": {description: ok}}}
  /castles/{castleId}:
    get: {operationId: second, responses: {"200": {description: ok}}}
""",
        validate=False,
    )
    assert op_id(spec, "GET", "/castles/1") == "first"
    [warning] = spec.warnings
    assert "can never be matched" in warning.message
    assert warning.line == 7


def test_matching_is_not_a_linear_scan() -> None:
    paths = "\n".join(
        f"  /svc{i % 10}/res{i}/{{id}}:\n    get: {{responses: {{'200': {{description: ok}}}}}}"
        for i in range(2000)
    )
    spec = load_spec_text(
        f'openapi: 3.0.3\ninfo: {{title: t, version: "1"}}\npaths:\n{paths}\n', validate=False
    )
    requests = [f"/svc{i % 10}/res{i}/{i}" for i in range(0, 2000, 7)] * 20
    start = time.perf_counter()
    for path in requests:
        assert spec.match("GET", path).matched
    per_match = (time.perf_counter() - start) / len(requests)
    assert per_match < 100e-6  # a linear regex scan over 2,000 routes takes ~100 µs or more
