"""The broker's tables as they are at the newest migration (`migrations/`), for queries.

Each record is kept whole as JSON (``doc``) beside the columns that queries filter on.
Times are kept as fixed-width UTC ISO text (`stamp`), which sorts and compares the same in
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

#: An autoincrementing key: BIGINT on PostgreSQL, INTEGER (the rowid) on SQLite.
Seq = BigInteger().with_variant(Integer(), "sqlite")


def stamp(moment: datetime) -> str:
    """A time as fixed-width UTC text (``2026-12-02T16:40:07.000000``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


api_keys = Table(
    "api_keys",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("scope", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(26), nullable=False),
    Column("revoked_at", String(26)),
)

services = Table(
    "services",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("created_at", String(26), nullable=False),
)

service_versions = Table(
    "service_versions",
    metadata,
    Column("service", String(200), primary_key=True),
    Column("version", String(200), primary_key=True),
    Column("registered_at", String(26), nullable=False),
    Column("doc", Text, nullable=False),
)

spec_versions = Table(
    "spec_versions",
    metadata,
    Column("service", String(200), primary_key=True),
    Column("version", String(200), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("uploaded_at", String(26), nullable=False),
    Column("doc", Text, nullable=False),
)

interactions = Table(
    "interactions",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    # content hash + run: a batch sent twice, or retried, lands once.
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("content_hash", String(64), nullable=False),
    Column("consumer", String(200), nullable=False),
    Column("consumer_version", String(200), nullable=False),
    Column("provider", String(200), nullable=False),
    Column("provider_version", String(200), nullable=False),
    Column("environment", String(200), nullable=False),
    Column("operation_id", String(300)),
    Column("test_id", String(500)),
    Column("run_id", String(200)),
    Column("promoted", Boolean, nullable=False),
    Column("contract", Boolean, nullable=False),
    Column("timestamp", String(26), nullable=False),
    Column("last_seen", String(26)),
    Column("received_at", String(26), nullable=False),  # migration 0002: retention reads it
    Column("doc", Text, nullable=False),
)

fixtures = Table(
    "fixtures",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("provider", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("decided_at", String(26)),  # the `at` of the decision in force: a later one wins
    Column("decided_by", String(200)),
    Column("doc", Text, nullable=False),
)

verifications = Table(
    "verifications",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("provider", String(200), nullable=False),
    Column("provider_version", String(200), nullable=False),
    Column("consumer", String(200), nullable=False),
    Column("consumer_version", String(200), nullable=False),
    Column("finished_at", String(26), nullable=False),
    Column("received_at", String(26), nullable=False),  # migration 0002
    Column("doc", Text, nullable=False),
)

deployments = Table(
    "deployments",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("service", String(200), nullable=False),
    Column("version", String(200), nullable=False),
    Column("environment", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("deployed_at", String(26), nullable=False),
    Column("doc", Text, nullable=False),
)

environments = Table(
    "environments",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("production", Boolean, nullable=False),
    Column("created_at", String(26), nullable=False),
)

releases = Table(
    "releases",
    metadata,
    Column("service", String(200), primary_key=True),
    Column("version", String(200), primary_key=True),
    Column("environment", String(200), primary_key=True),
    Column("released_at", String(26), nullable=False),
    Column("support_ended_at", String(26)),
    Column("doc", Text, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("kind", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("time", String(26), nullable=False),
)
