"""Pact files read (`pact.reading`): V2, V3 and V4 documents, their rules normalised to one
form, unknown fields kept, message and plugin interactions counted, bad files refused with
the file and what is wrong; and what an import makes of them (`pact.recorded`)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from entente_daemon.openapi import load_spec
from entente_daemon.pact.reading import PactFileError, parse_pact_text, read_pact
from entente_daemon.pact.recorded import KEPT_NOTE, as_interactions
from tests.pact.castle import SPEC, VERSAILLES

V2: dict[str, Any] = {
    "consumer": {"name": "app"},
    "provider": {"name": "castle-service"},
    "interactions": [
        {
            "description": "a castle",
            "providerState": "a castle exists",
            "request": {"method": "get", "path": f"/castles/{VERSAILLES}", "query": "a=1&a=2&b="},
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json"},
                "body": {"id": VERSAILLES, "name": "Versailles"},
                "matchingRules": {
                    "$.body.id": {"match": "regex", "regex": "[0-9a-f-]+"},
                    "$.body.name": {"match": "type"},
                    "$.headers.Content-Type": {"regex": "application/json.*"},
                },
            },
        }
    ],
    "metadata": {"pactSpecification": {"version": "2.0.0"}},
}

V3: dict[str, Any] = {
    "consumer": {"name": "app"},
    "provider": {"name": "castle-service"},
    "interactions": [
        {
            "description": "castles",
            "providerStates": [{"name": "listed", "params": {"n": 2}}, {"name": "seeded"}],
            "request": {"method": "GET", "path": "/castles", "query": {"region": ["Normandie"]}},
            "response": {
                "status": 200,
                "body": [{"when": "2026-12-02"}],
                "matchingRules": {
                    "body": {
                        "$": {"matchers": [{"min": 1}]},
                        "$[*].when": {"matchers": [{"match": "date", "date": "yyyy-MM-dd"}]},
                    }
                },
                "generators": {"body": {"$[*].when": {"type": "Date"}}},
            },
            "_links": {"self": "kept"},
        }
    ],
    "messages": [{"description": "an event", "contents": {}}],
    "metadata": {"pactSpecification": {"version": "3.0.0"}},
}


def v4(*interactions: dict[str, Any]) -> dict[str, Any]:
    return {
        "consumer": {"name": "app"},
        "provider": {"name": "castle-service"},
        "interactions": list(interactions),
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }


V4_HTTP: dict[str, Any] = {
    "type": "Synchronous/HTTP",
    "description": "a new castle",
    "key": "abc",
    "pending": False,
    "request": {
        "method": "POST",
        "path": "/castles",
        "headers": {"Content-Type": ["application/json"]},
        "body": {
            "content": {"name": "Chambord"},
            "contentType": "application/json",
            "encoded": False,
        },
    },
    "response": {
        "status": 201,
        "headers": {"Location": ["/castles/1"]},
        "body": {
            "content": base64.b64encode(b'{"id": 1}').decode(),
            "contentType": "application/json",
            "encoded": "base64",
        },
        "matchingRules": {
            "status": {"matchers": [{"match": "statusCode", "status": "success"}]},
            "header": {
                "Location": {"combine": "AND", "matchers": [{"match": "regex", "regex": ".*"}]}
            },
        },
    },
}


def test_v2_flat_rules_become_categories() -> None:
    pact = read_pact(V2, "v2.json")
    [one] = pact.interactions
    assert pact.specification == "2.0.0"
    assert one.states == [("a castle exists", {})]
    assert one.request.method == "GET"
    assert one.request.query == {"a": ["1", "2"], "b": [""]}
    rules = one.response.matching_rules
    assert set(rules["body"]) == {"$.id", "$.name"}
    assert rules["body"]["$.id"]["matchers"] == [{"match": "regex", "regex": "[0-9a-f-]+"}]
    assert rules["header"]["Content-Type"]["matchers"][0]["match"] == "regex"


def test_v3_states_params_rules_kept_fields_and_messages() -> None:
    pact = read_pact(V3, "v3.json")
    [one] = pact.interactions
    assert one.states == [("listed", {"n": 2}), ("seeded", {})]
    body = one.response.matching_rules["body"]
    assert body["$"]["matchers"] == [{"min": 1, "match": "type"}]
    assert body["$[*].when"]["matchers"] == [{"match": "date", "format": "yyyy-MM-dd"}]
    assert one.kept == {
        "_links": {"self": "kept"},
        "response": {"generators": {"body": {"$[*].when": {"type": "Date"}}}},
    }
    assert pact.unsupported == {"message": 1}


def test_v4_bodies_decoded_and_other_kinds_counted() -> None:
    message = {"type": "Asynchronous/Messages", "description": "m", "contents": {}}
    plugin = {**V4_HTTP, "description": "grpc", "pluginConfiguration": {"protobuf": {}}}
    pact = read_pact(v4(V4_HTTP, message, plugin), "v4.json")
    [one] = pact.interactions
    assert one.request.body == {"name": "Chambord"}
    assert one.request.headers == {"Content-Type": "application/json"}
    assert one.response.body == {"id": 1}
    assert one.response.matching_rules["status"] == {
        "$": {"combine": "AND", "matchers": [{"match": "statusCode", "status": "success"}]}
    }
    assert one.kept == {"key": "abc", "pending": False}
    assert pact.unsupported == {"message": 1, "plugin": 1}


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("{not json", "bad.json: not JSON (line 1, column 2"),
        ("[]", "bad.json: a pact file is a JSON object; this is a list"),
        ('{"provider": {"name": "p"}, "interactions": []}', "names no consumer"),
        (
            '{"consumer": {"name": "c"}, "provider": {"name": "p"}, "interactions": {}}',
            "must be a list",
        ),
        (
            json.dumps(v4({**V4_HTTP, "response": {"headers": {}}})),
            "bad.json: interaction 0 ('a new castle'): the response has no status",
        ),
        (
            json.dumps(v4({**V4_HTTP, "request": {"path": "/x"}})),
            "interaction 0 ('a new castle'): the request has no method",
        ),
        (
            json.dumps(
                v4(
                    {
                        **V4_HTTP,
                        "response": {
                            "status": 200,
                            "matchingRules": {"body": {"id": {"matchers": []}}},
                        },
                    }
                )
            ),
            "body rules: 'id': a matching rule's path starts with $",
        ),
    ],
)
def test_bad_files_say_which_file_and_what_is_wrong(text: str, fault: str) -> None:
    with pytest.raises(PactFileError) as caught:
        parse_pact_text(text, "bad.json")
    assert fault in str(caught.value)


def test_an_import_makes_contract_interactions_matched_to_the_spec() -> None:
    pact = read_pact(V2, "v2.json")
    [interaction] = as_interactions(pact, consumer_version="2.0.0", spec=load_spec(SPEC))
    assert interaction.contract
    assert interaction.test_id == "pact:a castle"
    assert interaction.operation_id == "getCastle"
    assert interaction.match.path_params == {"id": VERSAILLES}
    assert interaction.provider_version == "1.0.0"  # the spec's
    assert interaction.provider_state == "a castle exists"
    assert interaction.matching_rules == pact.interactions[0].response.matching_rules
    assert interaction.content_hash == interaction.compute_hash()
    [again] = as_interactions(pact, consumer_version="2.0.0", spec=load_spec(SPEC))
    assert (again.content_hash, again.run_id) == (interaction.content_hash, interaction.run_id)


def test_states_join_and_kept_fields_become_a_note() -> None:
    [interaction] = as_interactions(read_pact(V3, "v3.json"), consumer_version="1")
    assert interaction.provider_state == "listed and seeded"
    assert interaction.state_params == {"n": 2}
    assert interaction.operation_id is None  # no spec given
    assert interaction.provider_version == "latest"
    [kept] = [n for n in interaction.notes if n.startswith(KEPT_NOTE)]
    assert json.loads(kept.removeprefix(KEPT_NOTE))["_links"] == {"self": "kept"}
