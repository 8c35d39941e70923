"""Secrets in bodies, in every spelling of a query name, in the spool and in the foreground
mock's request log are redacted (issue 13, item 8); the body-field list is configurable like
the header list, and the content hash is taken after redaction."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from entente_daemon.config import load_project_config
from entente_daemon.model import HttpRequest, HttpResponse, Interaction
from entente_daemon.record import REDACTED, MemorySink, Redaction
from entente_daemon.records.spool import read_spool, spool_records
from entente_daemon.store import Store
from tests.mock.serving import CASTLE, MockProcess

from .factory import answered, recorder
from .test_redact import SECRET, record_one


def test_json_body_fields_are_redacted_at_any_depth() -> None:
    body = {
        "username": "ada",
        "password": SECRET,
        "client": {"client_secret": SECRET, "scopes": ["read"]},
        "keys": [{"apiKey": SECRET}, {"ACCESS-TOKEN": SECRET}],
        "db_password": SECRET,
    }
    stored = record_one(
        Redaction(),
        method="POST",
        body=body,
        response_body={"access_token": SECRET, "refresh_token": SECRET, "expires_in": 3600},
    )
    assert stored["request"]["body"] == {
        "username": "ada",
        "password": REDACTED,
        "client": {"client_secret": REDACTED, "scopes": ["read"]},
        "keys": [{"apiKey": REDACTED}, {"ACCESS-TOKEN": REDACTED}],
        "db_password": REDACTED,
    }
    assert stored["response"]["body"] == {
        "access_token": REDACTED,
        "refresh_token": REDACTED,
        "expires_in": 3600,
    }


def test_form_and_text_bodies_are_redacted() -> None:
    form = record_one(Redaction(), method="POST", body={"user": "ada", "password": SECRET})
    assert form["request"]["body"] == {"user": "ada", "password": REDACTED}
    text = record_one(Redaction(), method="POST", body=f"user=ada&token={SECRET}&x=1")
    assert text["request"]["body"] == f"user=ada&token={REDACTED}&x=1"


@pytest.mark.parametrize(
    "name", ["access-token", "access_token", "accessToken", "Access-Token", "api-key", "apiKey"]
)
def test_every_spelling_of_a_credential_query_name_is_redacted(name: str) -> None:
    stored = record_one(Redaction(), query=f"page=2&{name}={SECRET}")
    assert stored["request"]["query"] == {"page": ["2"], name: [REDACTED]}


def test_the_body_field_list_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "entente.toml").write_text(
        'service = "web"\nversion = "1.0"\n[recording]\nredact_fields = ["pin-code"]\n'
    )
    settings = load_project_config(tmp_path).recording
    assert settings.redact_fields == ("pin-code",)
    stored = record_one(
        Redaction.configured(settings), method="POST", body={"pin_code": SECRET, "n": 1}
    )
    assert stored["request"]["body"] == {"pin_code": REDACTED, "n": 1}


def test_bodies_differing_only_in_a_secret_are_one_interaction() -> None:
    sink = MemorySink()
    rec = recorder(sink)
    for password in ("first-secret", "second-secret"):
        rec.record(*answered("/login", method="POST", body={"password": password}), 0.001)
    assert rec.close() == []
    [stored] = sink.interactions()
    assert stored.count == 2
    assert stored.content_hash == stored.compute_hash()


def test_the_spool_holds_no_secret(tmp_path: Path) -> None:
    raw = Interaction(
        consumer="web",
        consumer_version="1",
        provider="auth",
        provider_version="1",
        request=HttpRequest(
            method="POST",
            path="/login",
            query={"access-token": [SECRET]},
            body={"user": "ada", "password": SECRET},
        ),
        response=HttpResponse(status=200, body={"token": SECRET}),
    ).with_hash()
    file = spool_records([raw], [], home=tmp_path)
    assert SECRET not in file.read_text(encoding="utf-8")
    [spooled], _ = read_spool(file)
    assert spooled.request.body == {"user": "ada", "password": REDACTED}
    assert spooled.content_hash == spooled.compute_hash() != raw.content_hash


def test_the_foreground_mock_logs_and_stores_no_secret(entente_home: Path, tmp_path: Path) -> None:
    mock = MockProcess.start(str(CASTLE), "--record", home=entente_home, cwd=tmp_path)
    try:
        with httpx.Client(base_url=mock.url, timeout=30) as client:
            query = f"region=Normandie&api_key={SECRET}&token={SECRET}&access-token={SECRET}"
            assert client.get(f"/castles?{query}").status_code == 200
            created = client.post(
                "/castles",
                json={"name": "Chambord", "region": "Centre", "password": SECRET},
            )
            assert created.status_code in (201, 400), created.text
        mock.stderr.wait_for("GET /castles?region=Normandie")
    finally:
        assert mock.stop() == 0, mock.stderr.text
    log = mock.stderr.text + mock.stdout.text
    assert f"api_key={REDACTED}&token={REDACTED}&access-token={REDACTED}" in log
    assert SECRET not in log
    with Store.open(entente_home / "store", readonly=True) as store:
        stored = [i.to_json() for i in store.interactions.list()]
    assert len(stored) == 2
    assert SECRET not in json.dumps(stored)
