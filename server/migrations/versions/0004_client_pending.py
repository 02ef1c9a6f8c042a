"""What each client last reported as unsent, so a hand-over preview can say what is still on
the leaver's laptop.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("pending_changes", sa.Integer(), nullable=True))
    op.add_column("clients", sa.Column("pending_reported_at", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("pending_reported_at")
        batch.drop_column("pending_changes")
