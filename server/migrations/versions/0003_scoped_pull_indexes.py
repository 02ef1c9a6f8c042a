"""Indexes that let a scoped pull read only the caller's part of the change log, in seq order.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_change_log_customer_seq": ["customer_id", "seq"],
    "ix_change_log_for_user_seq": ["for_user_id", "seq"],
    "ix_change_log_exit_owner_seq": ["exit_owner_id", "seq"],
    "ix_change_log_exit_team_seq": ["exit_team_id", "seq"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "change_log", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="change_log")
