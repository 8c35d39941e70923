"""Indexes for the queries can-i-deploy and sync make, and the time each interaction and
verification reached the broker, which retention (``--keep-days``) reads. Rows stored
before get their record's own time.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES: dict[str, list[tuple[str, list[str]]]] = {
    "interactions": [
        ("ix_interactions_provider", ["provider", "seq"]),
        ("ix_interactions_consumer", ["consumer", "consumer_version"]),
        ("ix_interactions_provider_version", ["provider", "provider_version"]),
        ("ix_interactions_contract", ["contract", "provider"]),
        ("ix_interactions_received", ["received_at"]),
    ],
    "verifications": [
        ("ix_verifications_provider", ["provider", "provider_version"]),
        ("ix_verifications_consumer", ["consumer", "consumer_version"]),
        ("ix_verifications_received", ["received_at"]),
    ],
    "deployments": [("ix_deployments_placement", ["service", "environment", "seq"])],
    "fixtures": [("ix_fixtures_provider", ["provider", "status"])],
}


def upgrade() -> None:
    for table, moment in (("interactions", "timestamp"), ("verifications", "finished_at")):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("received_at", sa.String(26), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET received_at = {moment}"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("received_at", existing_type=sa.String(26), nullable=False)
    for table, indexes in INDEXES.items():
        for name, columns in indexes:
            op.create_index(name, table, columns)


def downgrade() -> None:
    for table, indexes in INDEXES.items():
        for name, _columns in indexes:
            op.drop_index(name, table_name=table)
    for table in ("interactions", "verifications"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("received_at")
