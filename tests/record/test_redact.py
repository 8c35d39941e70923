"""Credentials never reach the store: headers, cookies and query parameters are redacted
before the content hash is taken."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entente_daemon.config import load_project_config
from entente_daemon.openapi import load_spec_text
from entente_daemon.record import REDACTED, InteractionCapture, MemorySink, Redaction
from entente_daemon.record.redact import scrub

from .factory import answered

SECRET = "s3cr3t-t0ken-value"


def record_one(redaction: Redaction, **kwargs: Any) -> dict[str, Any]:
    sink = MemorySink()
    recorder = InteractionCapture("web", "1.0", "castles", "1.0", "local", sink, redact=redaction)
    request, result = answered(**kwargs)
    recorder.record(request, result, 0.001)
    assert recorder.close() == []
    [interaction] = sink.interactions()
    stored = interaction.to_json()
    assert SECRET not in json.dumps(stored), "a secret reached the recorded interaction"
    return stored


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("authorization", f"Bearer {SECRET}"),
        ("proxy-authorization", f"Basic {SECRET}"),
        ("cookie", f"session={SECRET}; theme=dark"),
        ("x-api-key", SECRET),
        ("x-auth-token", SECRET),
        ("X-Api-Key", SECRET),  # names compare case-insensitively
    ],
)
def test_credential_request_headers_are_redacted_but_kept(header: str, value: str) -> None:
    stored = record_one(Redaction(), headers=(("accept", "application/json"), (header, value)))
    headers = stored["request"]["headers"]
    assert headers[header.lower()] == REDACTED
    assert headers["accept"] == "application/json"


def test_set_cookie_in_the_response_is_redacted() -> None:
    stored = record_one(
        Redaction(), response_headers=(("set-cookie", f"session={SECRET}; Path=/; HttpOnly"),)
    )
    assert stored["response"]["headers"]["set-cookie"] == REDACTED


@pytest.mark.parametrize("name", ["api_key", "access_token", "token", "API_KEY"])
def test_credential_query_parameters_are_redacted(name: str) -> None:
    stored = record_one(Redaction(), query=f"region=Normandie&{name}={SECRET}")
    assert stored["request"]["query"] == {
        "region": ["Normandie"],
        name: [REDACTED],
    }


def test_configured_names_are_redacted_too() -> None:
    redaction = Redaction().extended(headers=["X-Tenant-Secret"], query=["sig"])
    stored = record_one(
        redaction,
        headers=(("x-tenant-secret", SECRET), ("x-tenant", "acme")),
        query=f"sig={SECRET}&page=2",
    )
    request = stored["request"]
    assert request["headers"] == {"x-tenant-secret": REDACTED, "x-tenant": "acme"}
    assert request["query"] == {"sig": [REDACTED], "page": ["2"]}


def test_project_config_recording_section(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "entente.toml").write_text(
        'service = "web"\nversion = "1.0"\n[recording]\nenabled = true\n'
        'redact_headers = ["X-Session"]\nredact_query = ["Sig"]\n'
    )
    config = load_project_config(folder)
    assert config.recording.enabled is True
    assert config.recording.redact_headers == ("x-session",)
    assert config.recording.redact_query == ("sig",)
    redaction = Redaction().extended(
        headers=config.recording.redact_headers, query=config.recording.redact_query
    )
    stored = record_one(redaction, headers=(("x-session", SECRET),), query=f"Sig={SECRET}")
    assert stored["request"]["headers"] == {"x-session": REDACTED}
    assert stored["request"]["query"] == {"Sig": [REDACTED]}


def test_api_key_schemes_of_the_spec_are_redacted() -> None:
    spec = load_spec_text(
        """
openapi: 3.0.3
info: {title: Keys, version: "1"}
paths: {}
components:
  securitySchemes:
    headerKey: {type: apiKey, in: header, name: X-Castle-Key}
    queryKey: {type: apiKey, in: query, name: castle_key}
    bearer: {type: http, scheme: bearer}
""",
        validate=False,
    )
    redaction = Redaction().for_spec(spec.security_schemes)
    stored = record_one(
        redaction, headers=(("x-castle-key", SECRET),), query=f"castle_key={SECRET}"
    )
    assert stored["request"]["headers"] == {"x-castle-key": REDACTED}
    assert stored["request"]["query"] == {"castle_key": [REDACTED]}


def test_secrets_quoted_in_validation_messages_are_scrubbed() -> None:
    stored = record_one(
        Redaction(),
        query=f"token={SECRET}",
        validation_errors=(f"query token: {SECRET!r} is too long",),
    )
    assert stored["match"]["validation_errors"] == [f"query token: '{REDACTED}' is too long"]


def test_the_hash_is_taken_after_redaction() -> None:
    """Two requests differing only in their token are one interaction (count 2)."""
    sink = MemorySink()
    recorder = InteractionCapture("web", "1.0", "castles", "1.0", "local", sink)
    for token in ("first-secret-token", "second-secret-token"):
        request, result = answered(headers=(("authorization", f"Bearer {token}"),))
        recorder.record(request, result, 0.001)
    recorder.close()
    [interaction] = sink.interactions()
    assert interaction.count == 2
    assert interaction.content_hash == interaction.compute_hash()
    assert "secret-token" not in json.dumps(interaction.to_json())


def test_scrub_leaves_short_values_alone() -> None:
    assert scrub("id 42 is wrong", ["42"]) == "id 42 is wrong"
    assert scrub(f"got {SECRET}", [SECRET]) == f"got {REDACTED}"


def test_transport_and_mock_headers_are_not_recorded() -> None:
    """The same request through another port or client version is the same interaction."""
    hashes = set()
    for port, agent in ((4010, "python-httpx/0.28.1"), (50123, "curl/8.5.0")):
        stored = record_one(
            Redaction(),
            headers=(
                ("host", f"127.0.0.1:{port}"),
                ("user-agent", agent),
                ("accept-encoding", "gzip"),
                ("accept", "application/json"),
            ),
            response_headers=(("x-entente-source", "example"),),
        )
        assert stored["request"]["headers"] == {"accept": "application/json"}
        assert stored["response"]["headers"] == {"content-type": "application/json"}
        hashes.add(stored["content_hash"])
    assert len(hashes) == 1


def test_repeated_headers_are_joined() -> None:
    stored = record_one(
        Redaction(), headers=(("accept", "application/json"), ("Accept", "text/plain"))
    )
    assert stored["request"]["headers"] == {"accept": "application/json, text/plain"}
