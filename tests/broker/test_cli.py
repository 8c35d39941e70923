"""The CLI against the broker (``ENTENTE_SERVICE_URL``, ``ENTENTE_API_KEY``; no daemon, as in
CI), in-process with click's runner against a real broker process; and the key commands."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from entente_daemon.model import Verification, VerificationResult, utc_now
from entente_daemon.records import StoreRecords
from entente_daemon.records.broker import BrokerRecords
from entente_daemon.records.port import Records

from .factories import interaction, unique
from .postgres import free_port
from .process import BrokerProcess


@dataclass
class Ran:
    exit_code: int
    output: str  # stdout and stderr


def run(args: list[str], url: str | None, key: str | None = None) -> Ran:
    """``entente ARGS`` in-process, as `main` runs it (an error a user can act on: one line,
    exit 2), with the broker's variables set or unset."""
    # By name: nothing imports the CLI statically but the CLI (`nothing-imports-cli`).
    main = importlib.import_module("entente_daemon.cli.main").main
    env = {"ENTENTE_SERVICE_URL": url, "ENTENTE_API_KEY": key}
    with CliRunner().isolation(env=env) as (out, err, _):
        try:
            main(args)
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        return Ran(code, out.getvalue().decode() + err.getvalue().decode())


def the_same_facts(records: Records, consumer: str, provider: str, finished: datetime) -> None:
    """castle-client 1.0.0's contract with castle-service 2.0.0, verified."""
    recorded = [interaction(provider, consumer, path=f"/castles/{n}") for n in range(3)]
    records.add_interactions(recorded)
    records.verification_run().finish(
        [
            Verification(
                id=f"verification-{provider}",
                provider=provider,
                provider_version="2.0.0",
                consumer=consumer,
                consumer_version="1.0.0",
                finished_at=finished,
                results=[
                    VerificationResult(
                        interaction_id=i.id, interaction_hash=i.content_hash, ok=True
                    )
                    for i in recorded
                ],
            )
        ],
        [],
        0,
    )


def test_can_i_deploy_answers_from_the_broker_as_from_the_local_store(
    broker: BrokerProcess, home: Path
) -> None:
    consumer, provider = unique("castle-client"), unique("castle-service")
    key = broker.keys["write"]
    finished = utc_now()
    with broker.client() as client:
        the_same_facts(BrokerRecords(client), consumer, provider, finished)
    the_same_facts(StoreRecords(), consumer, provider, finished)
    deploy = ["deploy-service", "--name", provider, "--service-version", "2.0.0"]
    deploy += ["--environment", "production", "--deployed-by", "ci", "--git-sha", "abc"]
    assert run(deploy, broker.url, key).exit_code == 0
    assert run(deploy, None).exit_code == 0
    ask = ["can-i-deploy", "--service", consumer, "--service-version", "1.0.0"]
    ask += ["--environment", "production", "--json"]

    from_broker = run(ask, broker.url, key)
    from_store = run(ask, None)

    assert from_broker.exit_code == 0, from_broker.output
    assert json.loads(from_broker.output)["summary"]["answer"] == "yes"
    assert json.loads(from_broker.output) == json.loads(from_store.output)


def test_the_matrix_comes_from_the_broker(broker: BrokerProcess, home: Path) -> None:
    env = unique("staging")
    service = unique("castle-service")
    key = broker.keys["write"]
    deployed = run(
        ["deploy-service", "--name", service, "--service-version", "3", "--environment", env],
        broker.url,
        key,
    )
    shown = run(["matrix", "--environment", env, "--json"], broker.url, key)
    assert deployed.exit_code == 0, deployed.output
    assert {"service": service, "version": "3", "kind": "deployed"} in json.loads(shown.output)[
        "live"
    ]
    assert StoreRecords().deployments() == []  # nothing went to the local store


def test_an_unreachable_broker_exits_2_naming_it(home: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run(["matrix", "--environment", "production"], url, "k")
    assert result.exit_code == 2
    assert url in result.output
    assert "connection refused" in result.output


def test_a_wrong_key_exits_2_saying_so(broker: BrokerProcess, home: Path) -> None:
    result = run(["matrix", "--environment", "production"], broker.url, "ent_wrong")
    assert result.exit_code == 2
    assert "refused the API key (HTTP 401)" in result.output


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'keys.db'}"


def test_keys_create_prints_the_key_alone_on_its_last_line(home: Path, sqlite_url: str) -> None:
    made = run(
        ["broker", "keys", "create", "--name", "ci", "--scope", "write", "--database", sqlite_url],
        None,
    )
    key = made.output.strip().splitlines()[-1]
    listed = run(["broker", "keys", "list", "--database", sqlite_url], None)
    assert made.exit_code == 0
    assert key.startswith("ent_")
    assert len(key) > 40
    assert "ci\twrite" in listed.output
    assert key not in listed.output


def test_keys_revoke_and_a_taken_name(home: Path, sqlite_url: str) -> None:
    args = ["broker", "keys", "create", "--name", "ci", "--scope", "read", "--database", sqlite_url]
    assert run(args, None).exit_code == 0
    again = run(args, None)
    revoked = run(["broker", "keys", "revoke", "ci", "--database", sqlite_url], None)
    unknown = run(["broker", "keys", "revoke", "nobody", "--database", sqlite_url], None)
    assert again.exit_code == 2
    assert "exists already" in again.output
    assert revoked.exit_code == 0
    assert "revoked" in run(["broker", "keys", "list", "--database", sqlite_url], None).output
    assert unknown.exit_code == 2


def test_serve_on_an_empty_key_table_says_how_to_make_the_first_key(
    broker: BrokerProcess, home: Path
) -> None:
    # The module's broker made its keys before it started: it says nothing of the kind.
    assert "no API keys yet" not in broker.output()
    assert "serving on http://127.0.0.1:" in broker.output()
