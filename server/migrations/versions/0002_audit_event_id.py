"""Audit entries remember the client's event id, so reported events are recorded once.

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


def upgrade() -> None:
    # 0001 creates tables from the current schema, so a database created since already has the
    # column: add it only where it is missing.
    columns = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("audit_log")}
    if "event_id" not in columns:
        with op.batch_alter_table("audit_log") as batch:
            batch.add_column(sa.Column("event_id", sa.String(64)))
            batch.create_index("ix_audit_event", ["event_id"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_event")
        batch.drop_column("event_id")
