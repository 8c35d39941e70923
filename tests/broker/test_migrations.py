"""Migrations keep every record: a database made by the first schema, with data in every
table, upgraded to the newest, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from entente_daemon.broker import deploy_db, fixtures_db, interactions_db, verifications_db
from entente_daemon.broker.database import current_revision, head_revision, migrate, open_engine
from entente_daemon.broker.interactions_db import InteractionQuery, dedup_key
from entente_daemon.broker.keys import authenticate, hash_key
from entente_daemon.model import Deployment, Verification, utc_now

from .factories import fixture, interaction

TABLES = [
    "api_keys",
    "services",
    "service_versions",
    "spec_versions",
    "interactions",
    "fixtures",
    "verifications",
    "deployments",
    "environments",
    "releases",
    "events",
]


def test_an_upgrade_from_the_first_schema_keeps_every_record(database: str, home: Path) -> None:
    engine = open_engine(database)
    assert migrate(engine, "0001") == "0001"
    sent = interaction("castle-service")
    proposed = fixture("castle-service")
    run = Verification(
        provider="castle-service",
        provider_version="2",
        consumer="castle-client",
        consumer_version="1",
        finished_at=utc_now(),
    )
    deployed = Deployment(service="castle-service", version="2", environment="prod")
    now = "2026-01-01T00:00:00.000000"
    with engine.begin() as connection:
        rows: dict[str, dict[str, Any]] = {
            "api_keys": dict(name="ci", scope="write", key_hash=hash_key("ent_k"), created_at=now),
            "services": dict(name="castle-service", created_at=now),
            "service_versions": dict(
                service="castle-service",
                version="2",
                registered_at=now,
                doc='{"service": "castle-service", "version": "2"}',
            ),
            "spec_versions": dict(
                service="castle-service",
                version="2",
                content_hash="h",
                uploaded_at=now,
                doc=json.dumps(
                    {"service": "castle-service", "version": "2", "spec": {}, "content_hash": "h"}
                ),
            ),
            "interactions": dict(
                id=sent.id,
                dedup_key=dedup_key(sent),
                content_hash=sent.content_hash,
                consumer=sent.consumer,
                consumer_version=sent.consumer_version,
                provider=sent.provider,
                provider_version=sent.provider_version,
                environment=sent.environment,
                operation_id=sent.operation_id,
                test_id=sent.test_id,
                run_id=sent.run_id,
                promoted=False,
                contract=True,
                timestamp=now,
                last_seen=None,
                doc=sent.model_dump_json(),
            ),
            "fixtures": dict(
                id=proposed.id,
                provider=proposed.provider,
                status="draft",
                content_hash=proposed.content_hash,
                doc=proposed.model_dump_json(),
            ),
            "verifications": dict(
                id=run.id,
                provider=run.provider,
                provider_version=run.provider_version,
                consumer=run.consumer,
                consumer_version=run.consumer_version,
                finished_at=now,
                doc=run.model_dump_json(),
            ),
            "deployments": dict(
                id=deployed.id,
                service=deployed.service,
                version=deployed.version,
                environment=deployed.environment,
                status="successful",
                deployed_at=now,
                doc=deployed.model_dump_json(),
            ),
            "environments": dict(name="prod", production=True, created_at=now),
            "releases": dict(
                service="castle-app",
                version="1",
                environment="prod",
                released_at=now,
                doc=json.dumps({"service": "castle-app", "version": "1", "environment": "prod"}),
            ),
            "events": dict(kind="interaction.uploaded", payload="{}", time=now),
        }
        for table, values in rows.items():
            names = ", ".join(values)
            marks = ", ".join(f":{name}" for name in values)
            connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)

    assert migrate(engine) == head_revision() == current_revision(engine)

    with engine.connect() as connection:
        for table in TABLES:
            count = connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
            assert count == 1, table
        received = connection.execute(text("SELECT received_at FROM interactions")).scalar()
    assert received == now  # backfilled from the record's own time
    found, _ = interactions_db.query(engine, InteractionQuery(provider="castle-service"))
    assert found == [sent]
    assert [f.id for f in fixtures_db.listed(engine)] == [proposed.id]
    assert [v.id for v in verifications_db.listed(engine)] == [run.id]
    assert [d.version for d in deploy_db.deployments_of(engine, active=True)] == ["2"]
    assert [r.version for r in deploy_db.releases_of(engine)] == ["1"]
    key = authenticate(engine, "ent_k")
    assert key is not None
    assert key.name == "ci"
    indexes = {i["name"] for i in inspect(engine).get_indexes("interactions")}
    assert "ix_interactions_provider" in indexes
    engine.dispose()


def test_a_new_database_migrates_to_the_head(database: str, home: Path) -> None:
    engine = open_engine(database)
    assert current_revision(engine) is None
    assert migrate(engine) == head_revision()
    assert migrate(engine) == head_revision()  # again: nothing to do
    assert set(TABLES) <= set(inspect(engine).get_table_names())
    engine.dispose()
