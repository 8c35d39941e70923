"""The first schema: keys, services, specs, interactions, fixtures, verifications,
deployments, environments, releases and events.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.String(26)
NAME = sa.String(200)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("name", NAME, nullable=False, unique=True),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("revoked_at", TIME),
    )
    op.create_table(
        "services",
        sa.Column("name", NAME, primary_key=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "service_versions",
        sa.Column("service", NAME, primary_key=True),
        sa.Column("version", NAME, primary_key=True),
        sa.Column("registered_at", TIME, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "spec_versions",
        sa.Column("service", NAME, primary_key=True),
        sa.Column("version", NAME, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TIME, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "interactions",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("dedup_key", NAME, nullable=False, unique=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("consumer", NAME, nullable=False),
        sa.Column("consumer_version", NAME, nullable=False),
        sa.Column("provider", NAME, nullable=False),
        sa.Column("provider_version", NAME, nullable=False),
        sa.Column("environment", NAME, nullable=False),
        sa.Column("operation_id", sa.String(300)),
        sa.Column("test_id", sa.String(500)),
        sa.Column("run_id", NAME),
        sa.Column("promoted", sa.Boolean, nullable=False),
        sa.Column("contract", sa.Boolean, nullable=False),
        sa.Column("timestamp", TIME, nullable=False),
        sa.Column("last_seen", TIME),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "fixtures",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("provider", NAME, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("decided_at", TIME),
        sa.Column("decided_by", NAME),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "verifications",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("provider", NAME, nullable=False),
        sa.Column("provider_version", NAME, nullable=False),
        sa.Column("consumer", NAME, nullable=False),
        sa.Column("consumer_version", NAME, nullable=False),
        sa.Column("finished_at", TIME, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "deployments",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("service", NAME, nullable=False),
        sa.Column("version", NAME, nullable=False),
        sa.Column("environment", NAME, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("deployed_at", TIME, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "environments",
        sa.Column("name", NAME, primary_key=True),
        sa.Column("production", sa.Boolean, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "releases",
        sa.Column("service", NAME, primary_key=True),
        sa.Column("version", NAME, primary_key=True),
        sa.Column("environment", NAME, primary_key=True),
        sa.Column("released_at", TIME, nullable=False),
        sa.Column("support_ended_at", TIME),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("time", TIME, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "events",
        "releases",
        "environments",
        "deployments",
        "verifications",
        "fixtures",
        "interactions",
        "spec_versions",
        "service_versions",
        "services",
        "api_keys",
    ):
        op.drop_table(table)
